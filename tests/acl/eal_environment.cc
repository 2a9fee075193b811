// Linked into every test binary that needs rte_acl: starts EAL once before
// the first test (gtest global environment). EAL memory comes from
// ACL_EAL_MEMORY_MB (default 512); the 100K sets need more.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "acl/tools/eal_session.h"

namespace {

class EalEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* mb = std::getenv("ACL_EAL_MEMORY_MB");
    const unsigned memory_mb = mb != nullptr ? static_cast<unsigned>(std::stoul(mb)) : 512;
    const auto st = acl::tools::init_eal(memory_mb);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
};

[[maybe_unused]] ::testing::Environment* const kEal =
    ::testing::AddGlobalTestEnvironment(new EalEnvironment);

}  // namespace
