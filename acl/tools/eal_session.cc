#include "acl/tools/eal_session.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace acl::tools {

namespace {

std::string g_runtime_dir;

// EAL leaves its runtime directory (/var/run/dpdk/<prefix>) behind even with
// --no-shconf; tests and tools must not, so it goes at exit.
void cleanup_eal() {
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all(g_runtime_dir, ignored);
}

}  // namespace

Status init_eal(unsigned memory_mb, bool hugepages) {
  static bool done = false;
  if (done) return Ok{};
  const std::string name = "vfacl-" + std::to_string(getpid());
  const std::string prefix = "--file-prefix=" + name;
  const std::string mem = std::to_string(memory_mb);
  std::vector<std::string> args = {"vfpath-acl", "--no-pci", "-l", "0", "--log-level=lib.eal:error", prefix,
                                   "-m", mem, "--force-max-simd-bitwidth=512", "--no-telemetry"};
  if (hugepages) args.insert(args.begin() + 1, "--in-memory");
  else args.insert(args.begin() + 1, {"--no-huge", "--no-shconf"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    return make_error(Errc::kDpdk, std::string("rte_eal_init failed: ") + rte_strerror(rte_errno));
  }
  done = true;
  g_runtime_dir = std::string(rte_eal_get_runtime_dir());
  std::atexit(cleanup_eal);
  return Ok{};
}

}  // namespace acl::tools
