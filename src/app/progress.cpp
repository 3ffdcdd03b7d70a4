#include "app/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace kdup {

namespace {

int digits(int64_t n) { return static_cast<int>(std::to_string(std::max<int64_t>(n, 0)).size()); }

// "  3/200" with the count padded to the width of the total, so the line does not jitter.
std::string counter(int64_t i, int64_t total) {
  char text[64];
  std::snprintf(text, sizeof text, "%*lld/%lld", digits(total), static_cast<long long>(i),
                static_cast<long long>(total));
  return text;
}

std::string format_loss(double loss) {
  char text[32];
  const double magnitude = std::abs(loss);
  const bool fixed = loss == 0 || (magnitude >= 1e-3 && magnitude < 1e6) || !std::isfinite(loss);
  std::snprintf(text, sizeof text, fixed ? "%.4f" : "%.3e", loss);
  return text;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-:--:--";
  const auto total = static_cast<long long>(std::llround(seconds));
  char text[48];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  return text;
}

double remaining_seconds(int64_t epoch, int64_t epochs, int64_t step, int64_t steps,
                         double seconds_per_step) {
  const int64_t later_epochs = std::max<int64_t>(epochs - epoch, 0);
  const int64_t left = std::max<int64_t>(steps - step, 0) + later_epochs * steps;
  return static_cast<double>(left) * seconds_per_step;
}

std::string format_progress(const ProgressState& s) {
  std::string line = s.stage;
  if (s.epochs > 0) line += "  epoch " + counter(s.epoch, s.epochs);
  if (s.steps > 0) line += "  step " + counter(s.step, s.steps);
  if (!std::isnan(s.loss)) line += "  loss " + format_loss(s.loss);
  if (s.images_per_second > 0) {
    char rate[48];
    std::snprintf(rate, sizeof rate, "  %.1f img/s", s.images_per_second);
    line += rate;
  }
  if (s.eta_seconds >= 0) line += "  ETA " + format_duration(s.eta_seconds);
  return line;
}

Progress::Progress(ProgressOptions options)
    : options_(std::move(options)),
      out_(options_.out ? *options_.out : std::cerr),
      terminal_(options_.terminal.value_or(isatty(STDERR_FILENO) == 1)) {
  last_shown_time_ = now();
  last_step_time_ = last_shown_time_;
}

Progress::~Progress() { finish(); }

double Progress::now() const {
  if (options_.clock) return options_.clock();
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void Progress::begin(const std::string& stage, int64_t epoch, int64_t epochs, int64_t steps) {
  const double loss = stage == state_.stage ? state_.loss : std::nan("");
  state_ = ProgressState{};
  state_.stage = stage;
  state_.epoch = epoch;
  state_.epochs = epochs;
  state_.steps = steps;
  state_.loss = loss;  // the last loss of this stage stays until the next step reports one
  last_step_time_ = now();
  const Rate& rate = rates_[stage];
  if (rate.samples > 0) {
    state_.images_per_second = rate.images_per_step / rate.seconds_per_step;
    state_.eta_seconds = remaining_seconds(epoch, epochs, 0, steps, rate.seconds_per_step);
  }
}

void Progress::step(int64_t images, double loss) {
  const double t = now();
  const double seconds = std::max(t - last_step_time_, 1e-9);
  last_step_time_ = t;
  Rate& rate = rates_[state_.stage];
  rate.samples += 1;
  const double weight = std::max(0.05, 1.0 / static_cast<double>(rate.samples));
  rate.seconds_per_step += weight * (seconds - rate.seconds_per_step);
  rate.images_per_step += weight * (static_cast<double>(images) - rate.images_per_step);

  state_.step += 1;
  if (!std::isnan(loss)) state_.loss = loss;
  state_.images_per_second = rate.images_per_step / rate.seconds_per_step;
  state_.eta_seconds = remaining_seconds(state_.epoch, state_.epochs, state_.step, state_.steps,
                                         rate.seconds_per_step);
  show(false);
}

void Progress::end() { show(true); }

void Progress::show(bool stage_over) {
  const double t = now();
  const double interval = terminal_ ? options_.redraw_interval_s : options_.plain_interval_s;
  if (!stage_over && t - last_shown_time_ < interval) return;
  last_shown_time_ = t;
  const std::string line = format_progress(state_);
  if (terminal_) {
    // Spaces wipe what is left of a longer previous line.
    out_ << '\r' << line
         << std::string(shown_length_ > line.size() ? shown_length_ - line.size() : 0, ' ');
    shown_length_ = line.size();
    line_open_ = true;
  } else {
    out_ << line << '\n';
  }
  out_.flush();
}

void Progress::finish() {
  if (!line_open_) return;
  out_ << '\n';
  out_.flush();
  line_open_ = false;
  shown_length_ = 0;
}

}  // namespace kdup
