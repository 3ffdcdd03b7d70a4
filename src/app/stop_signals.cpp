#include "app/stop_signals.h"

#include <csignal>

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

void request_stop(int signal) { recorded_signal = signal; }

const char* stop_signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace kdup
