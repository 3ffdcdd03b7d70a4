#include "app/stop_signals.h"

#include <algorithm>
#include <csignal>
#include <vector>

namespace kdup {

namespace {

volatile std::sig_atomic_t recorded_signal = 0;

extern "C" void record_signal(int signal) { recorded_signal = signal; }

}  // namespace

struct StopSignals::Saved {
  struct sigaction interrupt, terminate;
};

StopSignals::StopSignals() : saved_(new Saved) {
  struct sigaction action = {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal takes the default action
  sigaction(SIGINT, &action, &saved_->interrupt);
  sigaction(SIGTERM, &action, &saved_->terminate);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &saved_->interrupt, nullptr);
  sigaction(SIGTERM, &saved_->terminate, nullptr);
  recorded_signal = 0;
}

int stop_signal() { return recorded_signal; }

int agreed_stop_signal(Communicator& communicator) {
  if (communicator.size() == 1) return stop_signal();
  // One slot per signal number; a rank marks the one it recorded, and the sum marks every one.
  constexpr int kSlots = 65;
  std::vector<double> marks(kSlots, 0.0);
  const int signal = stop_signal();
  if (signal > 0) marks[static_cast<size_t>(std::min(signal, kSlots - 1))] = 1.0;
  Tensor recorded = Tensor::from_vector<double>(marks, {kSlots});
  communicator.all_reduce_sum(recorded);
  const std::vector<double> sums = recorded.to_vector<double>();
  for (int s = 1; s < kSlots; ++s)
    if (sums[static_cast<size_t>(s)] > 0) return s;
  return 0;
}

void request_stop(int signal) { recorded_signal = signal; }

const char* stop_signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace kdup
