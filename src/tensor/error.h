// Errors a user can act on: every check names the op (or file, or key) and the shapes at fault.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace kdup {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// KDUP_CHECK(cond, "op: message " << value) throws kdup::Error with the streamed message.
#define KDUP_CHECK(cond, msg)                      \
  do {                                             \
    if (!(cond)) {                                 \
      std::ostringstream kdup_check_stream_;       \
      kdup_check_stream_ << msg;                   \
      throw ::kdup::Error(kdup_check_stream_.str()); \
    }                                              \
  } while (0)

}  // namespace kdup
