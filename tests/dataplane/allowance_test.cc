// Per-ENI allowances: the shared token bucket (rates, bursts, time jumps,
// whole tokens only), the per-worker cache in front of it (never more than
// the bucket gave, also from two threads at once), and the two stages in
// the real pipeline: a flooder is cut at its own allowance, its neighbour
// is not touched, drops are charged to the ENI whose allowance it was, and
// link-local traffic has EC2's 1024 pps.
#include "dataplane/allowance.h"

#include <gtest/gtest.h>

#include <thread>

#include "control/compile.h"
#include "control/config_file.h"
#include "dataplane/accounting.h"
#include "dataplane/pipeline.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

TEST(SharedBucket, StartsFullRefillsAtItsRateAndCapsAtTheBurst) {
  SharedBucket b;
  const BucketConfig c{1000, 100};  // 1000 tokens/s, 100 at most
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(b.take(1, c, 0));
  EXPECT_FALSE(b.take(1, c, 0));
  EXPECT_FALSE(b.take(1, c, 999));     // under one token's time
  EXPECT_TRUE(b.take(1, c, 1000));     // 1 ms: one token
  EXPECT_FALSE(b.take(1, c, 1000));
  EXPECT_EQ(b.tokens(c, 11000), 10);   // 10 ms more: ten
  EXPECT_EQ(b.tokens(c, 3600000000u), 100);  // an hour idle: the burst, not more
  EXPECT_FALSE(b.take(101, c, 3600000000u));
  EXPECT_TRUE(b.take(100, c, 3600000000u));
}

TEST(SharedBucket, SlowRatesLoseNoFractionAndABackwardClockAddsNothing) {
  SharedBucket b;
  const BucketConfig c{3, 10};  // 3 per second
  int got = 0;
  for (uint32_t t = 0; t <= 10000000; t += 1000)  // 10 s in 1 ms steps, drained as it fills
    got += b.take(1, c, t);
  EXPECT_EQ(got, 10 + 30);  // the burst, then 3 a second: no fraction of a token lost between takes
  SharedBucket d;
  const BucketConfig e{1000000, 10};
  ASSERT_TRUE(d.take(10, e, 5000));
  EXPECT_FALSE(d.take(1, e, 4000));  // another worker's clock, a little behind
  EXPECT_TRUE(d.take(1, e, 5001));
}

// The bug this catches: the stamp is 32 bits of µs, so an idle of exactly
// 2^32 µs (71.6 min) looked like no idle at all and the bucket stayed empty.
TEST(SharedBucket, AnIdleOfAWholeNumberOfClockWrapsStillRefills) {
  const BucketConfig c{1000, 100};
  constexpr uint64_t kWrap = uint64_t{1} << 32;  // µs
  for (uint64_t idle : {kWrap, kWrap + 5000, 3 * kWrap, kWrap / 2, kWrap / 2 + 1, uint64_t{SharedBucket::kLongIdleS} * 1000000 + 1}) {
    SharedBucket b;
    const uint64_t t0 = 7000000;
    ASSERT_TRUE(b.take(100, c, t0));
    ASSERT_FALSE(b.take(1, c, t0));
    EXPECT_EQ(b.tokens(c, t0 + idle), 100) << "idle " << idle << " µs";
    EXPECT_TRUE(b.take(100, c, t0 + idle)) << "idle " << idle << " µs";
    EXPECT_FALSE(b.take(1, c, t0 + idle));
    EXPECT_TRUE(b.take(5, c, t0 + idle + 5000));  // and counts on from there
    EXPECT_FALSE(b.take(1, c, t0 + idle + 5000));
  }
}

TEST(SharedBucket, ALongIdleAtASlowRateCreditsOnlyTheSecondsThatPassed) {
  const BucketConfig c{1, 100000};  // 1 a second, a day's burst
  SharedBucket b;
  ASSERT_TRUE(b.take(100000, c, 0));
  const uint64_t idle = (uint64_t{1} << 32) + 5000000;  // 4299.97 s
  const int64_t got = b.tokens(c, idle);
  EXPECT_GE(got, 4298);
  EXPECT_LE(got, 4300);
}

TEST(Allowance, CachesNeverSpendMoreThanTheBucketGaveEvenFromTwoThreads) {
  auto shared = std::make_unique<EniBuckets[]>(kAllowanceSlots);
  const BucketConfig c{100000, 1000};  // 100K/s
  constexpr uint32_t kSteps = 200000;  // 0.2 s of simulated time, 1 µs per step
  std::atomic<uint64_t> spent{0};
  auto worker = [&] {
    AllowanceCache cache;
    AllowanceState a{shared.get(), &cache};
    uint64_t mine = 0;
    for (uint32_t t = 0; t < kSteps; ++t) mine += spend(a, 7, Allowance::kPps, 1, c, t);
    spent += mine;
  };
  std::thread one(worker), two(worker);
  one.join();
  two.join();
  // Both threads ask for 2 tokens per µs: the bucket gives rate x time + burst.
  const uint64_t allowed = uint64_t{c.rate} * kSteps / 1000000 + c.burst;
  EXPECT_LE(spent.load(), allowed);
  EXPECT_GE(spent.load(), allowed - 2 * kMaxChunk);  // what caches hold at the end
}

TEST(Allowance, UnlimitedCostsNoBucket) {
  AllowanceCache cache;
  AllowanceState a{nullptr, &cache};  // never dereferenced for rate 0
  EXPECT_TRUE(spend(a, 0, Allowance::kBwIn, 1500, BucketConfig{}, 0));
}

// vm1 and vm3 (sn-1) to vm2 (sn-2), all-open groups; vm1 may send 1000 pps
// (burst 64), vm2 may receive 2 Mbps (250,000 bytes/s, burst 64 KiB).
const char* kConfig = R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"},
            {"name": "c", "devargs": "net_null2", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}, {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "security_groups": [{"id": "sg-open", "vpc": "vpc-1", "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],
                       "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "security_groups": ["sg-open"],
            "limits": {"pps": 1000, "pps_burst": 64}},
           {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"], "security_groups": ["sg-open"],
            "limits": {"bandwidth_in_mbps": 2}},
           {"id": "vm3", "port": "c", "mac": "02:00:00:00:03:0a", "subnet": "sn-1", "ipv4": ["10.0.1.30"], "security_groups": ["sg-open"]}]})";

class Allowances : public ::testing::Test {
 protected:
  Allowances()
      : snap_(control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}, {"b", 1}, {"c", 2}})) {}
  // A burst of `n` UDP packets of `payload` bytes from port `port` (MAC, address) to `dst`,
  // all at the same instant: the verdicts' drop names.
  std::vector<std::string> burst(uint16_t port, const std::string& mac, const std::string& src, const std::string& dst,
                                 int n, size_t payload = 18) {
    std::vector<std::string> out;
    Bytes frame = eth(kRouterMac, mac, 0x0800, ipv4(src, dst, 17, udp(4000, 5000, Bytes(payload, 'x'))));
    std::vector<std::vector<uint8_t>> bufs(kBurstSize, std::vector<uint8_t>(2048));
    for (int done = 0; done < n;) {
      Burst b;
      b.count = static_cast<uint16_t>(std::min(n - done, static_cast<int>(kBurstSize)));
      b.in_port = port;
      for (uint16_t i = 0; i < b.count; ++i) {
        std::copy(frame.begin(), frame.end(), bufs[i].begin() + 128);
        b.frames[i] = Frame{bufs[i].data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024,
                            static_cast<uint32_t>(frame.size())};
      }
      run_pipeline(b, *snap_, scratch_.ctx);
      uint32_t lengths[kBurstSize];
      for (uint16_t i = 0; i < b.count; ++i) lengths[i] = static_cast<uint32_t>(frame.size());
      account_verdicts(counters_.lcore(0), snap_->enis, b.verdict, lengths, b.count);
      for (uint16_t i = 0; i < b.count; ++i) out.emplace_back(drop_reason_name(b.verdict[i].drop));
      done += b.count;
    }
    return out;
  }
  static int count(const std::vector<std::string>& v, const std::string& what) {
    return static_cast<int>(std::count(v.begin(), v.end(), what));
  }
  uint64_t eni_drops(int eni, DropReason r) { return counters_.eni(snap_->enis[eni].counter_slot).drops[static_cast<size_t>(r)]; }

  std::unique_ptr<Snapshot> snap_;
  ScratchContext scratch_;
  CounterSet counters_{1};
};

TEST_F(Allowances, AFlooderIsCutAtItsOwnAllowanceAndItsNeighbourIsNot) {
  scratch_.ctx.now = 1000000000;  // ns
  const auto flood = burst(0, kVm1Mac, "10.0.1.10", "10.0.1.30", 500);
  EXPECT_EQ(count(flood, "none"), 64);  // the burst
  EXPECT_EQ(count(flood, "pps_allowance_exceeded"), 436);
  const auto neighbour = burst(2, "02:00:00:00:03:0a", "10.0.1.30", "10.0.2.10", 500);
  EXPECT_EQ(count(neighbour, "none"), 500);  // vm3 -> vm2: not a packet of it lost
  EXPECT_EQ(eni_drops(0, DropReason::kPpsAllowanceExceeded), 436u);
  EXPECT_EQ(eni_drops(2, DropReason::kPpsAllowanceExceeded), 0u);
  // vm1's pps counts both ways: what it receives now is over it too, charged to vm1.
  EXPECT_EQ(count(burst(2, "02:00:00:00:03:0a", "10.0.1.30", "10.0.1.10", 10), "pps_allowance_exceeded"), 10);
  EXPECT_EQ(eni_drops(0, DropReason::kPpsAllowanceExceeded), 446u);
  EXPECT_EQ(eni_drops(2, DropReason::kPpsAllowanceExceeded), 0u);
  // 100 ms later: 100 more tokens.
  scratch_.ctx.now += 100000000;
  EXPECT_EQ(count(burst(0, kVm1Mac, "10.0.1.10", "10.0.1.30", 500), "none"), 64);  // capped at the burst again
}

TEST_F(Allowances, AHandedOffBurstIsNotChargedTwice) {
  scratch_.ctx.now = 1000000000;
  scratch_.ctx.handed_off = true;  // its tokens were spent by the worker that received it
  EXPECT_EQ(count(burst(0, kVm1Mac, "10.0.1.10", "10.0.1.30", 500), "none"), 500);
  scratch_.ctx.handed_off = false;
  EXPECT_EQ(count(burst(0, kVm1Mac, "10.0.1.10", "10.0.1.30", 100), "none"), 64);
}

TEST_F(Allowances, ArpCountsAgainstThePpsAllowanceToo) {
  scratch_.ctx.now = 1000000000;
  // vm1 asks for vm3's MAC 100 times: answering costs the core like any packet.
  Bytes arp = {0, 1, 8, 0, 6, 4, 0, 1};
  append(arp, mac(kVm1Mac));
  append(arp, ip4("10.0.1.10"));
  append(arp, Bytes(6, 0));
  append(arp, ip4("10.0.1.30"));
  Bytes frame = eth("ff:ff:ff:ff:ff:ff", kVm1Mac, 0x0806, arp);
  frame.resize(60, 0);
  std::vector<std::string> got;
  std::vector<std::vector<uint8_t>> bufs(kBurstSize, std::vector<uint8_t>(2048));
  for (int done = 0; done < 96; done += kBurstSize) {
    Burst b;
    b.count = kBurstSize;
    b.in_port = 0;
    for (uint16_t i = 0; i < b.count; ++i) {
      std::copy(frame.begin(), frame.end(), bufs[i].begin() + 128);
      b.frames[i] = Frame{bufs[i].data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
    }
    run_pipeline(b, *snap_, scratch_.ctx);
    for (uint16_t i = 0; i < b.count; ++i) got.emplace_back(drop_reason_name(b.verdict[i].drop));
  }
  EXPECT_EQ(count(got, "none"), 64);  // answered: the burst
  EXPECT_EQ(count(got, "pps_allowance_exceeded"), 32);
}

TEST_F(Allowances, BandwidthInIsTheReceiversAndChargedToIt) {
  scratch_.ctx.now = 1000000000;
  // vm3 -> vm2, 1,000-byte datagrams: vm2 takes 64 KiB at once.
  const auto got = burst(2, "02:00:00:00:03:0a", "10.0.1.30", "10.0.2.10", 100, 958);
  const int passed = count(got, "none");
  EXPECT_EQ(passed, 65536 / 1000);
  EXPECT_EQ(count(got, "bw_in_allowance_exceeded"), 100 - passed);
  EXPECT_EQ(eni_drops(1, DropReason::kBwInAllowanceExceeded), static_cast<uint64_t>(100 - passed));  // vm2's
  EXPECT_EQ(eni_drops(2, DropReason::kBwInAllowanceExceeded), 0u);  // not the sender's
}

TEST_F(Allowances, LinkLocalTrafficHasEc2s1024PacketsPerSecond) {
  scratch_.ctx.now = 1000000000;
  const auto got = burst(2, "02:00:00:00:03:0a", "10.0.1.30", "169.254.169.254", 400);
  EXPECT_EQ(count(got, "linklocal_allowance_exceeded"), 400 - 256);  // the burst: a quarter second's worth
  EXPECT_EQ(count(got, "no_route"), 256);  // (no metadata service yet: the rest is not routed)
}

}  // namespace
}  // namespace vfpath
