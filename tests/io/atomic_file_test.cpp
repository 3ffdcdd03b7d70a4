#include "io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensor/error.h"
#include "test_util.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(::testing::TempDir()) / "atomic_file_test" / info->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

using test::slurp;

// Runs `body` in a child process whose files may not grow past `limit` bytes (SIGXFSZ ignored, so
// a write past it fails with EFBIG as on a full disk); returns the message of the Error it threw,
// or "" when it threw none.
std::string error_under_size_limit(rlim_t limit, const std::function<void()>& body) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit rl{limit, limit};
    setrlimit(RLIMIT_FSIZE, &rl);
    std::string message;
    try {
      body();
    } catch (const std::exception& e) {
      message = e.what();
    }
    const ssize_t written = write(fds[1], message.data(), message.size());
    _exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return message;
}

TEST(AtomicFile, WritesPiecesAndLeavesNoTemporaryFile) {
  const std::string path = fresh_dir() + "/a.bin";
  write_file_atomic(path, "old");
  const std::string head = "head:", body = "body";
  write_file_atomic(path, FilePieces{{head.data(), head.size()}, {body.data(), body.size()}});
  EXPECT_EQ(slurp(path), "head:body");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(AtomicFile, HookSeesEachPhaseWithTheOldFileUntilTheRename) {
  const std::string path = fresh_dir() + "/a.bin";
  write_file_atomic(path, "old");
  std::vector<std::string> seen;
  set_write_hook([&](const std::string& p, WritePhase phase) {
    EXPECT_EQ(p, path);
    seen.push_back(std::to_string(static_cast<int>(phase)) + ":" + slurp(path));
  });
  const std::string a = "new", b = "er";
  write_file_atomic(path, FilePieces{{a.data(), a.size()}, {b.data(), b.size()}});
  append_file_durable(path, "!");
  set_write_hook(nullptr);
  EXPECT_EQ(seen, (std::vector<std::string>{"0:old", "1:old", "2:newer", "3:newer"}));
  EXPECT_EQ(slurp(path), "newer!");
}

TEST(AtomicFile, FullDiskIsOneLineNamingTheFileAndKeepsThePreviousOne) {
  const std::string path = fresh_dir() + "/checkpoint.bin";
  write_file_atomic(path, std::string(1000, 'a'));
  const std::string message =
      error_under_size_limit(4096, [&] { write_file_atomic(path, std::string(64 * 1024, 'b')); });
  EXPECT_NE(message.find(path + ": cannot write ("), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(slurp(path), std::string(1000, 'a'));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(AtomicFile, FullDiskLeavesNoPartialAppend) {
  const std::string path = fresh_dir() + "/log.jsonl";
  append_file_durable(path, std::string(4000, 'x') + "\n");
  const std::string message = error_under_size_limit(
      4096, [&] { append_file_durable(path, std::string(200, 'y') + "\n"); });
  EXPECT_NE(message.find(path + ": cannot append ("), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(slurp(path), std::string(4000, 'x') + "\n");
}

}  // namespace
}  // namespace kdup
