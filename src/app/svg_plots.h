// Small charts as inline SVG strings (no script): bars, lines and scatter plots with labelled axes.
// Hovering a bar or point shows its <title> in a browser.
#pragma once
#include <string>
#include <vector>

namespace kdup {

struct PlotSize {
  int width = 520;
  int height = 260;
};

struct Bar {
  double value = 0;
  std::string color;
  std::string label;    // under the bar (may be empty when bars are many)
  std::string tooltip;  // shown on hover
  double error = 0;     // > 0: a whisker from value - error to value + error
};

struct Series {
  std::string name;  // in the legend
  std::string color;
  std::vector<double> x, y;
  std::vector<double> error;  // empty, or one per point: a whisker from y - error to y + error
};

struct ScatterPoint {
  double x = 0, y = 0;
  std::string color;
  std::string tooltip;  // empty: none (keeps large scatter plots small)
};

// Bars from 0 up to `value`, the y axis from 0 to y_max.
std::string svg_bar_chart(const std::vector<Bar>& bars, double y_max, const std::string& x_label,
                          const std::string& y_label, PlotSize size = {});

// Polylines with dots at the data points (and their whiskers), axes fitted to the data, a legend
// when several series.
std::string svg_line_chart(const std::vector<Series>& series, const std::string& x_label,
                           const std::string& y_label, PlotSize size = {});

// Dots; `with_axes` false draws a bare map (t-SNE coordinates have no meaning of their own).
std::string svg_scatter(const std::vector<ScatterPoint>& points, const std::string& x_label,
                        const std::string& y_label, bool with_axes, double radius = 3,
                        PlotSize size = {});

// A colour per class: the 10- or 20-colour categorical palettes, evenly spaced hues beyond.
std::string class_color(int64_t cls, int64_t num_classes);

// The Many / Medium / Few colours (group 0, 1, 2 as in GroupAccuracy::group_of_class).
std::string group_color(int group);
std::string group_name(int group);

}  // namespace kdup
