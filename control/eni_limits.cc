#include "control/eni_limits.h"

#include <algorithm>

namespace vfpath::control {
namespace {

// A tenth of a second's worth, at least `floor`.
uint32_t default_burst(uint64_t rate, uint64_t floor) { return static_cast<uint32_t>(std::max(floor, rate / 10)); }

}  // namespace

void build_eni_limits(const config::v1::Eni& e, const std::string& path, EniAllowances& out,
                      std::vector<ConfigError>& errors) {
  if (!e.has_limits()) return;
  const auto& l = e.limits();
  const std::string p = path + ".limits.";
  if (l.pps() > kMaxPps) errors.push_back({p + "pps", std::to_string(l.pps()) + " is over " + std::to_string(kMaxPps)});
  if (l.pps_burst() && !l.pps()) errors.push_back({p + "pps_burst", "needs pps"});
  if (l.pps_burst() > kMaxPpsBurst)
    errors.push_back({p + "pps_burst", std::to_string(l.pps_burst()) + " is over " + std::to_string(kMaxPpsBurst)});
  for (auto [name, v] : {std::pair{"bandwidth_in_mbps", l.bandwidth_in_mbps()}, {"bandwidth_out_mbps", l.bandwidth_out_mbps()}})
    if (v > kMaxBandwidthMbps)
      errors.push_back({p + name, std::to_string(v) + " is over " + std::to_string(kMaxBandwidthMbps) + " Mbps"});
  if (l.bandwidth_burst_kb() > kMaxBurstKb)
    errors.push_back({p + "bandwidth_burst_kb", std::to_string(l.bandwidth_burst_kb()) + " is over " +
                                                    std::to_string(kMaxBurstKb) + " KB"});
  if (l.bandwidth_burst_kb() && l.bandwidth_burst_kb() < kMinBurstKb)
    errors.push_back({p + "bandwidth_burst_kb", std::to_string(l.bandwidth_burst_kb()) + " KB is under " +
                                                    std::to_string(kMinBurstKb) + " KB: a jumbo frame would never pass"});
  if (l.bandwidth_burst_kb() && !l.bandwidth_in_mbps() && !l.bandwidth_out_mbps())
    errors.push_back({p + "bandwidth_burst_kb", "needs bandwidth_in_mbps or bandwidth_out_mbps"});
  if (l.pps() <= kMaxPps && l.pps()) {
    out.pps.rate = l.pps();
    out.pps.burst = l.pps_burst() && l.pps_burst() <= kMaxPpsBurst ? l.pps_burst() : default_burst(l.pps(), 64);
  }
  auto bandwidth = [&](uint32_t mbps, BucketConfig& b) {
    if (!mbps || mbps > kMaxBandwidthMbps) return;
    b.rate = static_cast<uint32_t>(uint64_t{mbps} * 1000000 / 8);  // bytes per second
    b.burst = l.bandwidth_burst_kb() && l.bandwidth_burst_kb() <= kMaxBurstKb ? l.bandwidth_burst_kb() * 1024
                                                                             : default_burst(b.rate, 64 * 1024);
  };
  bandwidth(l.bandwidth_in_mbps(), out.bw_in);
  bandwidth(l.bandwidth_out_mbps(), out.bw_out);
}

}  // namespace vfpath::control
