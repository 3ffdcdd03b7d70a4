// What the fuzz targets share. kdup's readers take file names, so each input is written to a file
// in a folder of the fuzzing process's own first. The contract checked is numpy's for np.load: on
// any bytes a reader returns or throws kdup::Error (a one-line error naming the file); any other
// exception, a sanitizer report, a crash or a hang is a bug that libFuzzer reports.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "tensor/error.h"

namespace kdup::fuzz {

inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const auto path = std::filesystem::temp_directory_path() /
                      ("kdup_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

// Writes bytes to scratch_dir()/name and returns the file's path.
inline std::string write_input(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(),
                                                               static_cast<std::streamsize>(bytes.size()));
  return path;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// {what precedes the first NUL byte, what follows it}: two files out of one input.
inline std::pair<std::string_view, std::string_view> split_at_nul(std::string_view input) {
  const size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return {input, {}};
  return {input.substr(0, nul), input.substr(nul + 1)};
}

// Runs read(); a kdup::Error is the documented way to fail and passes, anything else escapes.
template <class Read>
void expect_only_kdup_errors(Read read) {
  try {
    read();
  } catch (const kdup::Error&) {
  }
}

}  // namespace kdup::fuzz
