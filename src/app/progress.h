// One status line on stderr while training:
//   train  epoch   3/200  step 120/390  loss 4.1235  1234.6 img/s  ETA 1:23:45
// On a terminal the line is redrawn in place ('\r') at most every 0.2 s; otherwise (a log file) a
// plain line is printed every 30 s and at the end of each epoch, so logs stay readable.
//
//   Progress progress;
//   for (epoch = 1..epochs) {
//     progress.begin("train", epoch, epochs, steps);
//     for (each batch) { ...; progress.step(batch_size, loss); }
//     progress.end();
//   }
//   progress.finish();
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <string>

namespace kdup {

struct ProgressState {
  std::string stage;   // "train", "knn", ...
  int64_t epoch = 0;   // 1-based
  int64_t epochs = 0;  // 0: the epoch is not shown
  int64_t step = 0;    // steps done in this stage
  int64_t steps = 0;
  double loss = std::numeric_limits<double>::quiet_NaN();  // NaN: not shown
  double images_per_second = 0;                            // <= 0: not shown
  double eta_seconds = -1;                                 // < 0: not shown
};

// The status line for a state, without '\r' or newline.
std::string format_progress(const ProgressState& state);

// "h:mm:ss" (hours unbounded, rounded to the second); "-:--:--" for a negative or non-finite time.
std::string format_duration(double seconds);

// Seconds left for the remaining steps of this epoch and the remaining epochs (of `steps` each).
double remaining_seconds(int64_t epoch, int64_t epochs, int64_t step, int64_t steps,
                         double seconds_per_step);

struct ProgressOptions {
  std::ostream* out = nullptr;     // nullptr: std::cerr
  std::optional<bool> terminal;    // unset: whether stderr is a terminal
  double redraw_interval_s = 0.2;  // terminal: least time between redraws
  double plain_interval_s = 30.0;  // not a terminal: least time between plain lines
  std::function<double()> clock;   // seconds; empty: a steady clock
};

class Progress {
 public:
  explicit Progress(ProgressOptions options = {});
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Starts a stage (one epoch of training, an evaluation pass); epochs = 0 for a stage without.
  void begin(const std::string& stage, int64_t epoch, int64_t epochs, int64_t steps);
  // One step done with `images` images; the loss is shown when given.
  void step(int64_t images, double loss = std::numeric_limits<double>::quiet_NaN());
  // The stage is over: its final state is shown (a plain line when not on a terminal).
  void end();
  // Ends the status line on a terminal, so other output starts on a fresh line.
  void finish();

  const ProgressState& state() const { return state_; }

 private:
  // Time per step and images per step, averaged over the steps so far and then exponentially
  // (about the last 20 steps), kept per stage name so the next epoch starts with a known rate.
  struct Rate {
    double seconds_per_step = 0;
    double images_per_step = 0;
    int64_t samples = 0;
  };
  double now() const;
  void show(bool stage_over);

  ProgressOptions options_;
  std::ostream& out_;
  bool terminal_;
  ProgressState state_;
  std::map<std::string, Rate> rates_;
  double last_step_time_ = 0;
  double last_shown_time_ = 0;
  size_t shown_length_ = 0;  // terminal: length of the line in place
  bool line_open_ = false;   // terminal: a line without its newline is showing
};

}  // namespace kdup
