// SIGINT and SIGTERM during training. While a StopSignals lives, the handler only records the
// signal; the epoch loop sees it at the next step boundary, writes a checkpoint there and the run
// exits with 128 + the signal (130 for SIGINT, 143 for SIGTERM). The first signal restores the
// default action, so a second one ends the process at once.
//
//   StopSignals signals;  // around the training stages
//   trainer.train_epoch(on_step, [] { return stop_signal() != 0; });
//   if (int signal = stop_signal()) return stop_exit_code(signal);
//
// Under mpirun a signal may reach one rank only (or mpirun may pass it to all): the ranks agree on
// it after each step through agreed_stop_signal.
#pragma once
#include <memory>

#include "dist/communicator.h"

namespace kdup {

class StopSignals {
 public:
  StopSignals();   // installs the handler for SIGINT and SIGTERM
  ~StopSignals();  // puts back the handlers found, and forgets a recorded signal
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

// The signal recorded since the StopSignals began (or by request_stop), 0 when none.
int stop_signal();
// Over several processes: the signal recorded on any rank (the lowest number when they differ),
// the same value on every rank, so that all of them stop at the same step boundary. A collective
// call (all ranks make it at the same point); in one process it is stop_signal().
int agreed_stop_signal(Communicator& communicator);
// Records `signal` as the handler does (async-signal-safe).
void request_stop(int signal);
// 128 + signal: the shells' status of a process ended by that signal.
inline int stop_exit_code(int signal) { return 128 + signal; }
// "SIGINT", "SIGTERM" or "a signal".
const char* stop_signal_name(int signal);

}  // namespace kdup
