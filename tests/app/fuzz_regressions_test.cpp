// The fuzz targets (tools/fuzz/) on their seeds and on every input that once crashed one: each
// returns, a reader failing only with a kdup::Error. Under `make sanitize` this also checks that
// none of them reads or writes out of bounds.
#include <algorithm>
#include <filesystem>

#include "test_util.h"
#include "tools/fuzz/targets.h"

namespace kdup {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::exists(dir))
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const fuzz::Target& target, const fs::path& file) {
  const std::string bytes = test::slurp(file);
  EXPECT_NO_THROW(target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
      << file;
}

TEST(FuzzTargets, RunEverySeedOfTheCommittedCorpus) {
  for (const fuzz::Target& target : fuzz::targets()) {
    const auto seeds = files_in(fs::path(KDUP_SOURCE_DIR) / "tools/fuzz/corpus" / target.name);
    EXPECT_FALSE(seeds.empty()) << target.name << " has no seeds";
    for (const fs::path& seed : seeds) replay(target, seed);
  }
}

TEST(FuzzTargets, EveryInputThatOnceCrashedATargetIsHandled) {
  int replayed = 0;
  for (const fuzz::Target& target : fuzz::targets())
    for (const fs::path& input :
         files_in(fs::path(KDUP_SOURCE_DIR) / "tools/fuzz/regressions" / target.name)) {
      replay(target, input);
      ++replayed;
    }
  EXPECT_GE(replayed, 4);
}

}  // namespace
}  // namespace kdup
