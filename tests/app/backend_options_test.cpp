// run.deterministic and run.allow_tf32: the keys parse (default off), convert to BackendOptions,
// and `kdup run` hands them to the backends before anything else runs.
#include <gtest/gtest.h>

#include "app/commands.h"
#include "app/train_schema.h"
#include "ops/backend_options.h"
#include "test_util.h"

namespace kdup {
namespace {

// Puts the process-wide options back as they were, whatever the test did.
class BackendOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = backend_options(); }
  void TearDown() override { set_backend_options(saved_); }
  BackendOptions saved_;
};

TEST_F(BackendOptionsTest, KeysDefaultToOff) {
  const BackendOptions options = backend_options_from(load_config("", train_schema()));
  EXPECT_FALSE(options.deterministic);
  EXPECT_FALSE(options.allow_tf32);
}

TEST_F(BackendOptionsTest, KeysConvertEachOnItsOwn) {
  const BackendOptions det = backend_options_from(
      load_config("", train_schema(), {"run.deterministic=true"}));
  EXPECT_TRUE(det.deterministic);
  EXPECT_FALSE(det.allow_tf32);
  const BackendOptions tf32 =
      backend_options_from(load_config("", train_schema(), {"run.allow_tf32=true"}));
  EXPECT_FALSE(tf32.deterministic);
  EXPECT_TRUE(tf32.allow_tf32);
}

TEST_F(BackendOptionsTest, KeysRejectNonBooleans) {
  test::expect_error([] { load_config("", train_schema(), {"run.deterministic=3"}); },
                     {"run.deterministic"});
}

TEST_F(BackendOptionsTest, SetAndReadBack) {
  set_backend_options({true, false});
  EXPECT_TRUE(backend_options().deterministic);
  EXPECT_FALSE(backend_options().allow_tf32);
  set_backend_options({false, true});
  EXPECT_FALSE(backend_options().deterministic);
  EXPECT_TRUE(backend_options().allow_tf32);
}

// The run command sets the options right after reading the configuration: a run that fails at
// its next step (an image list given for a CIFAR dataset) has already set them.
TEST_F(BackendOptionsTest, RunCommandSetsThemFromTheConfiguration) {
  set_backend_options({});
  test::expect_error(
      [] {
        run_command("", {"run.device=cpu", "run.deterministic=true", "run.allow_tf32=true",
                         "data.pretrain_list=list.txt"},
                    false);
      },
      {"data.pretrain_list"});
  EXPECT_TRUE(backend_options().deterministic);
  EXPECT_TRUE(backend_options().allow_tf32);
}

}  // namespace
}  // namespace kdup
