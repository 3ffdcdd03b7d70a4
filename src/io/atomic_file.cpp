#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tensor/error.h"

namespace kdup {

namespace {

std::function<void(const std::string&, WritePhase)>& write_hook() {
  static std::function<void(const std::string&, WritePhase)> hook;
  return hook;
}

void notify(const std::string& path, WritePhase phase) {
  if (write_hook()) write_hook()(path, phase);
}

// Writes all of [data, data + size) to fd; false with errno set on failure.
bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

[[noreturn]] void fail(const std::string& path, const char* what, int error) {
  throw Error(path + ": " + what + " (" + std::strerror(error) + "); nothing was changed");
}

}  // namespace

void set_write_hook(std::function<void(const std::string&, WritePhase)> hook) {
  write_hook() = std::move(hook);
}

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  KDUP_CHECK(fd >= 0,
             dir << ": cannot open the folder to sync it (" << std::strerror(errno) << ")");
  const bool ok = ::fsync(fd) == 0 || errno == EINVAL;  // some file systems cannot sync folders
  const int error = errno;
  ::close(fd);
  KDUP_CHECK(ok, dir << ": cannot sync the folder (" << std::strerror(error) << ")");
}

void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, FilePieces{{text.data(), text.size()}});
}

void write_file_atomic(const std::string& path, const FilePieces& pieces) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, ("cannot create " + tmp).c_str(), errno);
  auto give_up = [&](const char* what) {
    const int error = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, what, error);
  };
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (!write_all(fd, pieces[i].first, pieces[i].second)) give_up("cannot write");
    if (i == 0 && pieces.size() > 1) notify(path, WritePhase::partial);
  }
  if (::fsync(fd) != 0) give_up("cannot write");
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    fail(path, "cannot write", error);
  }
  notify(path, WritePhase::before_rename);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    fail(path, ("cannot rename " + tmp + " to it").c_str(), error);
  }
  notify(path, WritePhase::after_rename);
  fsync_directory(folder_of(path));
}

void append_file_durable(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot open for appending", errno);
  struct stat before {};
  const bool sized = ::fstat(fd, &before) == 0;
  notify(path, WritePhase::before_append);
  if (!write_all(fd, text.data(), text.size()) || ::fsync(fd) != 0) {
    const int error = errno;
    if (sized && ::ftruncate(fd, before.st_size) == 0) ::fsync(fd);  // no partial line left
    ::close(fd);
    fail(path, "cannot append", error);
  }
  ::close(fd);
  if (sized && before.st_size == 0) fsync_directory(folder_of(path));  // a new file's name
}

}  // namespace kdup
