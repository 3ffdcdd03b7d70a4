// Crash-safe file writes. A whole file is written to path + ".tmp", fsynced, renamed over `path`
// and its folder fsynced: after a crash or a SIGKILL at any moment, `path` holds the old file or
// the new one, never a part of one, and once the call returns the new one survives a power loss.
// A failed write (a full disk, a file size limit) throws an Error of one line naming `path` and
// the cause; the temporary file is removed and the previous file at `path` stays as it was.
//
//   write_file_atomic("runs/x/results.json", text);
//   write_file_atomic("runs/x/ckpt.safetensors", {{header.data(), header.size()}, {data, bytes}});
//   append_file_durable("runs/x/log.jsonl", record + "\n");
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace kdup {

using FilePieces = std::vector<std::pair<const void*, size_t>>;  // written one after the other

void write_file_atomic(const std::string& path, const std::string& text);
void write_file_atomic(const std::string& path, const FilePieces& pieces);

// Appends `text` to `path` (created when missing) with one write, then fsyncs it. Failure throws
// an Error of one line naming `path`; a partial append is cut off again where possible.
void append_file_durable(const std::string& path, const std::string& text);

// fsyncs a folder, so that the names created, renamed or removed in it are durable.
void fsync_directory(const std::string& dir);

// For crash tests: called at the moments of a write where a crash is most harmful. `path` is the
// file being written (not the temporary one). Empty by default.
enum class WritePhase {
  partial,        // the temporary file holds the first piece only
  before_rename,  // the temporary file is complete and fsynced, `path` still the old file
  after_rename,   // `path` is the new file, its folder not yet fsynced
  before_append,  // append_file_durable is about to write
};
void set_write_hook(std::function<void(const std::string& path, WritePhase phase)> hook);

}  // namespace kdup
