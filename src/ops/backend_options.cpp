#include "ops/backend_options.h"

#include <mutex>

namespace kdup {

namespace {
std::mutex& options_mutex() {
  static std::mutex m;
  return m;
}
BackendOptions& current_options() {
  static BackendOptions options;
  return options;
}
}  // namespace

BackendOptions backend_options() {
  std::lock_guard<std::mutex> lock(options_mutex());
  return current_options();
}

void set_backend_options(const BackendOptions& options) {
  std::lock_guard<std::mutex> lock(options_mutex());
  current_options() = options;
}

}  // namespace kdup
