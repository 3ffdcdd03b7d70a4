#include "app/svg_plots.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "app/html_text.h"

namespace kdup {

namespace {

constexpr int kLeft = 56, kRight = 12, kTop = 12, kBottom = 44;

// Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
std::vector<double> nice_ticks(double lo, double hi, int wanted = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / wanted;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * power) {
      step = m * power;
      break;
    }
  std::vector<double> ticks;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1)
    ticks.push_back(k * step + 0.0);  // a multiple of step, not a running sum: no drift; no -0
  return ticks;
}

std::string tick_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Maps data coordinates to the plot area of a PlotSize (right_margin widened for a legend).
struct Frame {
  PlotSize size;
  double x_lo, x_hi, y_lo, y_hi;
  bool whole_x = false;  // x values are whole numbers (epochs): no fractional x ticks
  int right_margin = kRight;
  double px(double x) const {
    return kLeft + (x - x_lo) / (x_hi - x_lo) * (size.width - kLeft - right_margin);
  }
  double py(double y) const {
    return size.height - kBottom - (y - y_lo) / (y_hi - y_lo) * (size.height - kTop - kBottom);
  }
};

std::string svg_open(const PlotSize& size) {
  std::ostringstream s;
  s << "<svg width=\"" << size.width << "\" height=\""
    << size.height << "\" viewBox=\"0 0 " << size.width << ' ' << size.height
    << "\" font-family=\"sans-serif\" font-size=\"11\">";
  return s.str();
}

// Axis lines, y ticks with grid lines, x ticks (unless x_ticks is false) and the axis labels.
std::string axes(const Frame& f, const std::string& x_label, const std::string& y_label,
                 bool x_ticks) {
  std::ostringstream s;
  const double left = kLeft, bottom = f.size.height - kBottom, right = f.size.width - f.right_margin;
  for (double t : nice_ticks(f.y_lo, f.y_hi)) {
    s << "<line x1=\"" << left << "\" x2=\"" << right << "\" y1=\"" << f.py(t) << "\" y2=\""
      << f.py(t) << "\" stroke=\"#e4e4e4\"/>"
      << "<text x=\"" << left - 4 << "\" y=\"" << f.py(t) + 4 << "\" text-anchor=\"end\">"
      << tick_text(t) << "</text>";
  }
  if (x_ticks)
    for (double t : nice_ticks(f.x_lo, f.x_hi, 6))
      if (!f.whole_x || std::abs(t - std::round(t)) < 1e-9)
        s << "<line x1=\"" << f.px(t) << "\" x2=\"" << f.px(t) << "\" y1=\"" << bottom << "\" y2=\""
          << bottom + 4 << "\" stroke=\"#444\"/>"
          << "<text x=\"" << f.px(t) << "\" y=\"" << bottom + 15 << "\" text-anchor=\"middle\">"
          << tick_text(t) << "</text>";
  s << "<path d=\"M" << left << ' ' << kTop << " V" << bottom << " H" << right
    << "\" fill=\"none\" stroke=\"#444\"/>"
    << "<text x=\"" << (left + right) / 2 << "\" y=\"" << f.size.height - 6
    << "\" text-anchor=\"middle\">" << html_escape(x_label) << "</text>"
    << "<text transform=\"translate(14 " << (kTop + bottom) / 2
    << ") rotate(-90)\" text-anchor=\"middle\">" << html_escape(y_label) << "</text>";
  return s.str();
}

void widen_if_flat(double& lo, double& hi) {
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::abs(lo) * 0.05, 0.5);
    lo -= pad;
    hi += pad;
  }
}

}  // namespace

std::string svg_bar_chart(const std::vector<Bar>& bars, double y_max, const std::string& x_label,
                          const std::string& y_label, PlotSize size) {
  const double n = std::max<double>(1, static_cast<double>(bars.size()));
  Frame f{size, 0, n, 0, y_max > 0 ? y_max : 1};
  std::ostringstream s;
  s << svg_open(size) << axes(f, x_label, y_label, false);
  const double slot = f.px(1) - f.px(0);
  for (size_t i = 0; i < bars.size(); ++i) {
    const double v = std::clamp(bars[i].value, 0.0, f.y_hi);
    s << "<rect x=\"" << f.px(static_cast<double>(i)) + slot * 0.1 << "\" y=\"" << f.py(v)
      << "\" width=\"" << slot * 0.8 << "\" height=\"" << f.py(0) - f.py(v) << "\" fill=\""
      << bars[i].color << "\">";
    if (!bars[i].tooltip.empty()) s << "<title>" << html_escape(bars[i].tooltip) << "</title>";
    s << "</rect>";
    if (bars[i].error > 0) {
      const double x = f.px(i + 0.5),
                   lo = f.py(std::clamp(bars[i].value - bars[i].error, 0.0, f.y_hi)),
                   hi = f.py(std::clamp(bars[i].value + bars[i].error, 0.0, f.y_hi));
      s << "<path d=\"M" << x << " " << lo << "V" << hi << "M" << x - slot * 0.15 << " " << lo
        << "h" << slot * 0.3 << "M" << x - slot * 0.15 << " " << hi << "h" << slot * 0.3
        << "\" stroke=\"#222\" fill=\"none\"/>";
    }
    if (!bars[i].label.empty())
      s << "<text x=\"" << f.px(i + 0.5) << "\" y=\"" << f.py(0) + 14
        << "\" text-anchor=\"middle\">" << html_escape(bars[i].label) << "</text>";
  }
  return s.str() + "</svg>";
}

std::string svg_line_chart(const std::vector<Series>& series, const std::string& x_label,
                           const std::string& y_label, PlotSize size) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  auto error_of = [](const Series& line, size_t i) {
    return i < line.error.size() ? line.error[i] : 0.0;
  };
  for (const Series& line : series)
    for (size_t i = 0; i < line.x.size(); ++i) {
      x_lo = std::min(x_lo, line.x[i]);
      x_hi = std::max(x_hi, line.x[i]);
      y_lo = std::min(y_lo, line.y[i] - error_of(line, i));
      y_hi = std::max(y_hi, line.y[i] + error_of(line, i));
    }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  widen_if_flat(x_lo, x_hi);
  widen_if_flat(y_lo, y_hi);
  const double x_pad = (x_hi - x_lo) * 0.03, y_pad = (y_hi - y_lo) * 0.05;
  Frame f{size, x_lo - x_pad, x_hi + x_pad, y_lo - y_pad, y_hi + y_pad};
  f.whole_x = std::all_of(series.begin(), series.end(), [](const Series& line) {
    return std::all_of(line.x.begin(), line.x.end(), [](double x) { return x == std::round(x); });
  });
  size_t longest_name = 0;
  for (const Series& line : series) longest_name = std::max(longest_name, line.name.size());
  const int legend_width = 24 + 13 * static_cast<int>(longest_name) / 2;  // 6.5 px a character
  if (series.size() > 1) f.right_margin = kRight + legend_width;
  std::ostringstream s;
  s << svg_open(size) << axes(f, x_label, y_label, true);
  for (const Series& line : series) {
    s << "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" << line.color << "\" points=\"";
    for (size_t i = 0; i < line.x.size(); ++i)
      s << (i ? " " : "") << f.px(line.x[i]) << ',' << f.py(line.y[i]);
    s << "\"/>";
    for (size_t i = 0; i < line.x.size(); ++i) {
      const double x = f.px(line.x[i]), error = error_of(line, i);
      if (error > 0)
        s << "<path d=\"M" << x << ' ' << f.py(line.y[i] - error) << "V" << f.py(line.y[i] + error)
          << "M" << x - 3 << ' ' << f.py(line.y[i] - error) << "h6M" << x - 3 << ' '
          << f.py(line.y[i] + error) << "h6\" stroke=\"" << line.color << "\" fill=\"none\"/>";
      s << "<circle r=\"2.5\" cx=\"" << x << "\" cy=\"" << f.py(line.y[i]) << "\" fill=\""
        << line.color << "\"><title>" << html_escape(line.name) << ": " << tick_text(line.x[i])
        << ", " << fixed_number(line.y[i], 4);
      if (error > 0) s << " &#177; " << fixed_number(error, 4);
      s << "</title></circle>";
    }
  }
  if (series.size() > 1)
    for (size_t k = 0; k < series.size(); ++k) {
      const double y = kTop + 8 + 15.0 * static_cast<double>(k);
      const double x = size.width - legend_width;
      s << "<rect x=\"" << x << "\" y=\"" << y - 8 << "\" width=\"10\" height=\"10\" fill=\""
        << series[k].color << "\"/><text x=\"" << x + 14 << "\" y=\"" << y + 1 << "\">"
        << html_escape(series[k].name) << "</text>";
    }
  return s.str() + "</svg>";
}

std::string svg_scatter(const std::vector<ScatterPoint>& points, const std::string& x_label,
                        const std::string& y_label, bool with_axes, double radius, PlotSize size) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const ScatterPoint& p : points) {
    x_lo = std::min(x_lo, p.x);
    x_hi = std::max(x_hi, p.x);
    y_lo = std::min(y_lo, p.y);
    y_hi = std::max(y_hi, p.y);
  }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  widen_if_flat(x_lo, x_hi);
  widen_if_flat(y_lo, y_hi);
  const double x_pad = (x_hi - x_lo) * 0.08, y_pad = (y_hi - y_lo) * 0.08;
  Frame f{size, x_lo - x_pad, x_hi + x_pad, y_lo - y_pad, y_hi + y_pad};
  std::ostringstream s;
  s << svg_open(size);
  if (with_axes) s << axes(f, x_label, y_label, true);
  for (const ScatterPoint& p : points) {
    s << "<circle r=\"" << radius << "\" cx=\"" << fixed_number(f.px(p.x), 1) << "\" cy=\""
      << fixed_number(f.py(p.y), 1) << "\" fill=\"" << p.color << "\"";
    if (p.tooltip.empty()) s << "/>";
    else s << "><title>" << html_escape(p.tooltip) << "</title></circle>";
  }
  return s.str() + "</svg>";
}

std::string class_color(int64_t cls, int64_t num_classes) {
  static const char* kTen[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  static const char* kTwenty[] = {"#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c",
                                  "#98df8a", "#d62728", "#ff9896", "#9467bd", "#c5b0d5",
                                  "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f",
                                  "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5"};
  if (cls < 0) return "#000000";
  if (num_classes <= 10) return kTen[cls % 10];
  if (num_classes <= 20) return kTwenty[cls % 20];
  const double hue = 360.0 * static_cast<double>(cls) / static_cast<double>(num_classes);
  const int lightness = cls % 2 == 0 ? 45 : 62;  // alternate so neighbouring hues stay apart
  return "hsl(" + fixed_number(hue, 0) + ",70%," + std::to_string(lightness) + "%)";
}

std::string group_color(int group) {
  switch (group) {
    case 0: return "#3b6fb6";  // Many
    case 1: return "#e8a33d";  // Medium
    default: return "#c8453b";  // Few
  }
}

std::string group_name(int group) {
  switch (group) {
    case 0: return "Many";
    case 1: return "Medium";
    default: return "Few";
  }
}

}  // namespace kdup
