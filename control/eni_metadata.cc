#include "control/eni_metadata.h"

namespace vfpath::control {
namespace {

// Printable ASCII without spaces or '/': an instance id is a path segment
// and a header value nowhere, but it is shown verbatim.
bool is_id_text(const std::string& s) {
  for (unsigned char c : s)
    if (c <= ' ' || c >= 0x7f || c == '/') return false;
  return true;
}

}  // namespace

std::string default_instance_id(const std::string& eni_id) {
  const std::string prefix = "eni-";
  return "i-" + (eni_id.compare(0, prefix.size(), prefix) == 0 ? eni_id.substr(prefix.size()) : eni_id);
}

void build_eni_metadata(const config::v1::Eni& e, const std::string& path, EniMetadataModel& out,
                        std::vector<ConfigError>& errors) {
  out.instance_id = e.instance_id().empty() ? default_instance_id(e.id()) : e.instance_id();
  if (out.instance_id.size() > kMaxInstanceIdBytes)
    errors.push_back({path + ".instance_id", "is longer than " + std::to_string(kMaxInstanceIdBytes) + " bytes"});
  else if (!is_id_text(out.instance_id))
    errors.push_back({path + ".instance_id", quoted(out.instance_id) + " has a space, '/' or a non-printable byte"});
  if (e.user_data().size() > kMaxUserDataBytes)
    errors.push_back({path + ".user_data", std::to_string(e.user_data().size()) + " bytes is over EC2's " +
                                               std::to_string(kMaxUserDataBytes)});
  out.user_data = e.user_data();
  const auto& m = e.metadata_options();
  const std::string p = path + ".metadata_options.";
  if (m.http_endpoint().empty() || m.http_endpoint() == "enabled") out.options.enabled = true;
  else if (m.http_endpoint() == "disabled") out.options.enabled = false;
  else errors.push_back({p + "http_endpoint", quoted(m.http_endpoint()) + " is not \"enabled\" or \"disabled\""});
  if (m.http_tokens().empty() || m.http_tokens() == "required") out.options.tokens_required = true;
  else if (m.http_tokens() == "optional") out.options.tokens_required = false;
  else errors.push_back({p + "http_tokens", quoted(m.http_tokens()) + " is not \"required\" or \"optional\""});
  const uint32_t hops = m.http_put_response_hop_limit();
  if (hops > kMaxPutHopLimit)
    errors.push_back({p + "http_put_response_hop_limit",
                      std::to_string(hops) + " is not a hop limit (1.." + std::to_string(kMaxPutHopLimit) + ")"});
  else out.options.put_hop_limit = static_cast<uint8_t>(hops == 0 ? 1 : hops);
}

}  // namespace vfpath::control
