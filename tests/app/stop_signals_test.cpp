// SIGINT and SIGTERM while a StopSignals lives are recorded, not fatal; the handlers found before
// come back afterwards, and the recorded signal is forgotten.
#include "app/stop_signals.h"

#include <gtest/gtest.h>

#include <csignal>

namespace kdup {
namespace {

void (*current_handler(int signal))(int) {
  struct sigaction now = {};
  sigaction(signal, nullptr, &now);
  return now.sa_handler;
}

TEST(StopSignals, SignalsAreRecordedWhileInstalled) {
  for (int signal : {SIGINT, SIGTERM}) {
    const auto before = current_handler(signal);
    {
      StopSignals signals;
      EXPECT_EQ(stop_signal(), 0);
      ASSERT_EQ(std::raise(signal), 0);  // the process lives on
      EXPECT_EQ(stop_signal(), signal);
      // A second signal would take the default action: the handler was reset by the first.
      EXPECT_EQ(current_handler(signal), SIG_DFL);
    }
    EXPECT_EQ(stop_signal(), 0);
    EXPECT_EQ(current_handler(signal), before);
  }
}

TEST(StopSignals, ExitCodesAndNames) {
  EXPECT_EQ(stop_exit_code(SIGINT), 130);
  EXPECT_EQ(stop_exit_code(SIGTERM), 143);
  EXPECT_STREQ(stop_signal_name(SIGINT), "SIGINT");
  EXPECT_STREQ(stop_signal_name(SIGTERM), "SIGTERM");
  StopSignals signals;
  request_stop(SIGTERM);
  EXPECT_EQ(stop_signal(), SIGTERM);
}

}  // namespace
}  // namespace kdup
