// libFuzzer target: the configuration validator. The first byte chooses the
// form: even, the rest is JSON text (the config file and vfpathctl's form);
// odd, the rest is a serialized Config (what a gRPC push carries). Either
// way the model is built and must report problems, never crash or throw
// anything but ConfigFileError; a configuration it accepts must have a
// model whose references are in range.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "control/config_file.h"
#include "control/model.h"
#include "tests/fuzz/quiet_protobuf.h"

namespace {

void check_model(const vfpath::control::Model& m) {
  for (const auto& s : m.subnets)
    if (s.vpc >= m.vpcs.size() || (s.nacl != vfpath::control::kNoNaclIndex && s.nacl >= m.nacls.size())) std::abort();
  for (const auto& e : m.enis)
    if (e.subnet >= m.subnets.size() || e.vpc >= m.vpcs.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vfpath::control;
  if (size < 1 || size > 1 << 16) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  vfpath::config::v1::Config c;
  if ((data[0] & 1) == 0) {
    try {
      c = parse_config_json(rest, "fuzz.json");
    } catch (const ConfigFileError&) {
      return 0;
    }
  } else if (!c.ParseFromString(rest)) {
    return 0;
  }
  ModelBuild b = build_model(c);
  if (b.problems.empty()) check_model(b.model);
  return 0;
}
