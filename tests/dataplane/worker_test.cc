// The poll loop over fake ports and handoff rings (plain-memory mbufs, no
// EAL): frames in on a port -> frames out on the right port, freed when
// dropped or refused, and each counted exactly once by the rules of
// accounting.h (handoffs by their owner, tx_full per ENI, port rx by the
// worker that read the port).
#include "dataplane/worker_impl.h"
#include "packet/metadata_nat.h"

#include <gtest/gtest.h>

#include <deque>
#include <limits>
#include <map>
#include <set>

#include "control/compile.h"
#include "control/config_file.h"
#include "tests/packet/frames.h"

namespace vfpath::test {
namespace {

const char* kConfig = R"({
  "generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"},
            {"name": "b", "devargs": "net_null1", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"},
              {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "security_groups": [{"id": "sg-open", "vpc": "vpc-1",
    "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],
    "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}],
  "enis": [
    {"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "security_groups": ["sg-open"]},
    {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"], "security_groups": ["sg-open"]}]
})";
constexpr uint16_t kPortA = 0, kPortB = 1;
constexpr size_t kUnlimited = std::numeric_limits<size_t>::max();

// An mbuf over its own buffer, as a PMD would hand it over.
struct alignas(64) FakeMbuf {
  rte_mbuf m;
  uint8_t buf[2304];
};

// The ports, rings and buffers the fake Io reads and writes.
struct FakeNet {
  std::map<uint16_t, std::deque<rte_mbuf*>> rx;       // per port (queue 0)
  std::map<uint16_t, std::vector<rte_mbuf*>> tx;      // per port: what left
  std::map<uint16_t, size_t> tx_room;                 // per port; absent: unlimited
  std::map<std::pair<unsigned, unsigned>, std::deque<rte_mbuf*>> rings;
  size_t ring_room = kUnlimited;
  std::set<rte_mbuf*> freed;
  std::vector<std::unique_ptr<FakeMbuf>> storage;
  uint64_t clock = 1;
  bool metadata_running = false;
  std::deque<rte_mbuf*> metadata_requests;  // what the workers queued for the metadata service
  std::deque<rte_mbuf*> metadata_replies;   // what the service sends back

  rte_mbuf* make(const Bytes& frame, uint16_t port) {
    auto fm = std::make_unique<FakeMbuf>();
    rte_mbuf* m = &fm->m;
    std::memset(m, 0, sizeof *m);
    m->buf_addr = fm->buf;
    m->buf_len = sizeof fm->buf;
    m->data_off = RTE_PKTMBUF_HEADROOM;
    m->nb_segs = 1;
    m->port = port;
    m->data_len = static_cast<uint16_t>(frame.size());
    m->pkt_len = static_cast<uint32_t>(frame.size());
    std::memcpy(fm->buf + m->data_off, frame.data(), frame.size());
    storage.push_back(std::move(fm));
    return m;
  }
  void arrive(uint16_t port, const Bytes& frame) { rx[port].push_back(make(frame, port)); }
  // Buffers neither transmitted, freed, still to be received nor in a ring:
  // what the worker lost track of.
  size_t unaccounted() const {
    size_t held = freed.size();
    for (const auto& [port, q] : tx) held += q.size();
    for (const auto& [port, q] : rx) held += q.size();
    for (const auto& [key, r] : rings) held += r.size();
    held += metadata_requests.size() + metadata_replies.size();
    return storage.size() - held;
  }
};

struct FakeIo {
  FakeNet* net;
  uint16_t rx_burst(uint16_t port, uint16_t, rte_mbuf** m, uint16_t n) {
    auto& q = net->rx[port];
    uint16_t got = 0;
    for (; got < n && !q.empty(); ++got) m[got] = q.front(), q.pop_front();
    return got;
  }
  uint16_t tx_burst(uint16_t port, uint16_t, rte_mbuf** m, uint16_t n) {
    auto room = net->tx_room.find(port);
    const size_t take = std::min<size_t>(n, room == net->tx_room.end() ? kUnlimited : room->second);
    if (room != net->tx_room.end()) room->second -= take;
    for (size_t i = 0; i < take; ++i) net->tx[port].push_back(m[i]);
    return static_cast<uint16_t>(take);
  }
  unsigned handoff_enqueue(unsigned from, unsigned to, rte_mbuf** m, unsigned n) {
    auto& r = net->rings[{from, to}];
    unsigned put = 0;
    for (; put < n && r.size() < net->ring_room; ++put) r.push_back(m[put]);
    return put;
  }
  unsigned handoff_dequeue(unsigned from, unsigned to, rte_mbuf** m, unsigned n) {
    auto& r = net->rings[{from, to}];
    unsigned got = 0;
    for (; got < n && !r.empty(); ++got) m[got] = r.front(), r.pop_front();
    return got;
  }
  rte_mbuf* alloc(rte_mempool*) { return net->make({}, 0); }
  rte_mbuf* alloc_tx() { return net->make({}, 0); }
  void free(rte_mbuf* m) { EXPECT_TRUE(net->freed.insert(m).second) << "freed twice"; }
  uint64_t now() { return net->clock++; }
  bool metadata_running() const { return net->metadata_running; }
  unsigned metadata_enqueue(rte_mbuf** m, unsigned n) {
    unsigned put = 0;
    for (; put < n && net->metadata_requests.size() < net->ring_room; ++put) net->metadata_requests.push_back(m[put]);
    return put;
  }
  unsigned metadata_dequeue(rte_mbuf** m, unsigned n) {
    unsigned got = 0;
    for (; got < n && !net->metadata_replies.empty(); ++got) m[got] = net->metadata_replies.front(), net->metadata_replies.pop_front();
    return got;
  }
};
static_assert(WorkerIo<FakeIo>);

using FakeWorker = BasicWorker<FakeIo>;

// An appliance of `workers` workers over the fake net, every worker polling
// both ports (queue 0), registered with the publisher like run() does.
struct Appliance {
  FakeNet net;
  SnapshotPublisher publisher;
  CounterSet counters;
  std::vector<std::unique_ptr<FakeWorker>> workers;
  explicit Appliance(unsigned n, bool metadata = false, const char* config = kConfig,
                     RouterAdvertPolicy adverts = {})
      : publisher(n), counters(n) {
    net.metadata_running = metadata;
    publisher.publish(control::compile_snapshot(control::parse_config_json(config, "test"), {{"a", kPortA}, {"b", kPortB}}));
    for (unsigned w = 0; w < n; ++w) {
      workers.push_back(std::make_unique<FakeWorker>(w, n, FakeIo{&net}, publisher, counters.lcore(w),
                                                     std::vector<RxQueue>{{kPortA, 0}, {kPortB, 0}},
                                                     static_cast<uint16_t>(w), IdlePolicy{},
                                                     WorkerTables::create(1024, n, nullptr, 1000000000), adverts));
      publisher.register_worker(w);
      publisher.online(w);
    }
  }
  ~Appliance() {
    workers.clear();
    for (unsigned w = 0; w < counters.lcores(); ++w) {
      publisher.offline(w);
      publisher.unregister_worker(w);
    }
  }
  uint32_t slot(const char* eni) const {
    const Snapshot& s = *publisher.current();
    for (size_t i = 0; i < s.enis.size(); ++i)
      if (s.enis[i].id == eni) return s.enis[i].counter_slot;
    ADD_FAILURE() << "no ENI " << eni;
    return 0;
  }
  EniTotals eni(const char* name) const { return counters.eni(slot(name)); }
  uint64_t drops(DropReason r) const { return counters.drops()[static_cast<size_t>(r)]; }
};

Bytes vm1_to_vm2(uint16_t sport = 1000) {
  return eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.10", "10.0.2.10", 17, udp(sport, 2000, {1, 2, 3, 4})));
}
Bytes spoofed_from_vm1() {
  return eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.99", "10.0.2.10", 17, udp(1, 2)));
}

TEST(Worker, ForwardsAFrameToTheDestinationPortAndCountsItOnBothEnds) {
  Appliance a(1);
  const Bytes in = vm1_to_vm2();
  a.net.arrive(kPortA, in);
  EXPECT_EQ(a.workers[0]->iterate(), 1u);
  ASSERT_EQ(a.net.tx[kPortB].size(), 1u);
  EXPECT_TRUE(a.net.tx[kPortA].empty());
  EXPECT_TRUE(a.net.freed.empty());
  const rte_mbuf* out = a.net.tx[kPortB][0];
  const Bytes got(rte_pktmbuf_mtod(out, const uint8_t*), rte_pktmbuf_mtod(out, const uint8_t*) + out->data_len);
  EXPECT_EQ(Bytes(got.begin(), got.begin() + 6), mac(kVm2Mac));  // L2 rewritten to vm2
  EXPECT_EQ(got[14 + 8], 63);                                     // TTL decremented
  EXPECT_EQ(a.counters.port(kPortA).rx_packets, 1u);
  EXPECT_EQ(a.counters.port(kPortA).rx_bytes, in.size());
  EXPECT_EQ(a.counters.port(kPortB).tx_packets, 1u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 1u);
  EXPECT_EQ(a.eni("vm1").rx_bytes, in.size());
  EXPECT_EQ(a.eni("vm2").tx_packets, 1u);
  EXPECT_EQ(a.eni("vm2").rx_packets, 0u);
}

TEST(Worker, FreesADroppedFrameAndChargesTheReasonToTheSender) {
  Appliance a(1);
  a.net.arrive(kPortA, spoofed_from_vm1());
  a.workers[0]->iterate();
  EXPECT_TRUE(a.net.tx[kPortB].empty());
  EXPECT_EQ(a.net.freed.size(), 1u);
  EXPECT_EQ(a.drops(DropReason::kSpoofedSrcIp), 1u);
  EXPECT_EQ(a.eni("vm1").drops[static_cast<size_t>(DropReason::kSpoofedSrcIp)], 1u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 1u);  // the VM sent it: rx counts what arrived
  EXPECT_EQ(a.net.unaccounted(), 0u);
  EXPECT_EQ(a.counters.port(kPortB).tx_packets, 0u);
}

TEST(Worker, AFullTxQueueDropsTheRestAsTxFullOfTheReceivingEni) {
  Appliance a(1);
  for (uint16_t p = 0; p < 5; ++p) a.net.arrive(kPortA, vm1_to_vm2(1000 + p));
  a.net.tx_room[kPortB] = 2;
  EXPECT_EQ(a.workers[0]->iterate(), 5u);
  EXPECT_EQ(a.net.tx[kPortB].size(), 2u);
  EXPECT_EQ(a.net.freed.size(), 3u);
  EXPECT_EQ(a.counters.port(kPortB).tx_packets, 2u);
  EXPECT_EQ(a.eni("vm2").tx_packets, 2u);
  EXPECT_EQ(a.eni("vm2").drops[static_cast<size_t>(DropReason::kTxFull)], 3u);
  EXPECT_EQ(a.drops(DropReason::kTxFull), 3u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 5u);
  EXPECT_EQ(a.net.unaccounted(), 0u) << "a refused frame must be freed, not leaked";
}

// Whichever worker reads the frame from the port, it is forwarded once and
// counted once: port rx by the reader, ENI rx by the connection's owner.
TEST(Worker, AHandedOverFrameIsCountedOnceWhicheverWorkerReadsIt) {
  int handed_over = 0;
  for (unsigned reader = 0; reader < 2; ++reader) {
    SCOPED_TRACE("reader " + std::to_string(reader));
    Appliance a(2);
    a.net.rx[kPortA].clear();
    a.net.arrive(kPortA, vm1_to_vm2());
    const unsigned other = 1 - reader;
    a.workers[reader]->iterate();
    const bool handoff = a.net.rings[{reader, other}].size() == 1;
    handed_over += handoff;
    EXPECT_EQ(a.net.tx[kPortB].size(), handoff ? 0u : 1u);
    a.workers[other]->iterate();
    ASSERT_EQ(a.net.tx[kPortB].size(), 1u);
    EXPECT_TRUE(a.net.freed.empty());
    EXPECT_EQ(a.counters.port(kPortA).rx_packets, 1u);
    EXPECT_EQ(a.counters.lcore(reader).ports[kPortA].rx_packets.get(), 1u);
    EXPECT_EQ(a.eni("vm1").rx_packets, 1u);
    EXPECT_EQ(a.counters.lcore(handoff ? other : reader).enis[a.slot("vm1")].rx_packets.get(), 1u);
    EXPECT_EQ(a.eni("vm2").tx_packets, 1u);
  }
  EXPECT_EQ(handed_over, 1) << "exactly one of the two workers owns the connection";
}

TEST(Worker, MetadataRequestsGoToTheServiceAndItsRepliesToTheVm) {
  Appliance a(1, /*metadata=*/true);
  const Bytes request = ipv4("10.0.1.10", "169.254.169.254", 6, tcp(40000, 80));
  a.net.arrive(kPortA, eth(kRouterMac, kVm1Mac, 0x0800, request));
  EXPECT_EQ(a.workers[0]->iterate(), 1u);
  ASSERT_EQ(a.net.metadata_requests.size(), 1u);
  EXPECT_EQ(a.net.metadata_requests.front()->pkt_len, request.size()) << "the IP packet alone";
  EXPECT_EQ(a.eni("vm1").rx_packets, 1u);
  // The service's reply to vm1's client address goes out on vm1's port.
  Bytes reply = ipv4("169.254.169.254", "0.0.0.0", 6, tcp(80, 40000, 0x12));
  const Ipv4Addr client = metadata::client_v4(a.slot("vm1"), 0);
  std::memcpy(reply.data() + 16, &client.value, 4);
  a.net.metadata_replies.push_back(a.net.make(reply, 0));
  EXPECT_EQ(a.workers[0]->iterate(), 1u);
  ASSERT_EQ(a.net.tx[kPortA].size(), 1u);
  EXPECT_EQ(a.net.tx[kPortA][0]->pkt_len, 14 + reply.size());
  EXPECT_EQ(a.eni("vm1").tx_packets, 1u);
  // A full request queue drops, counted.
  a.net.ring_room = a.net.metadata_requests.size();
  a.net.arrive(kPortA, eth(kRouterMac, kVm1Mac, 0x0800, request));
  a.workers[0]->iterate();
  EXPECT_EQ(a.drops(DropReason::kMetadataUnavailable), 1u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
}

TEST(Worker, Worker0AdvertisesTheRouterToEveryEniWithIpv6Unasked) {
  const char* config = R"({"generation": 1,
    "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"}],
    "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
    "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
                {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
    "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"]},
             {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"]}]})";
  Appliance a(2, false, config, RouterAdvertPolicy{.max_interval_s = 30});
  constexpr uint64_t kSecond = 1000000000;  // the tables' ticks
  for (auto& w : a.workers) w->iterate();   // schedules the first round, a second on
  EXPECT_TRUE(a.net.tx[kPortA].empty());
  a.net.clock += kSecond;
  for (auto& w : a.workers) w->iterate();
  ASSERT_EQ(a.net.tx[kPortA].size(), 1u) << "worker 0 only, once per round";
  EXPECT_TRUE(a.net.tx[kPortB].empty()) << "vm2's subnet has no IPv6";
  const rte_mbuf* m = a.net.tx[kPortA][0];
  const uint8_t* f = static_cast<const uint8_t*>(m->buf_addr) + m->data_off;
  EXPECT_EQ(Bytes(f, f + 6), mac(kVm1Mac));
  EXPECT_EQ(f[14 + 40], 134) << "ICMPv6 router advertisement";
  EXPECT_EQ(a.eni("vm1").tx_packets, 1u);
  // Nothing more until the next round, at least 10 s (max / 3) later.
  a.net.clock += 9 * kSecond;
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortA].size(), 1u);
  a.net.clock += 21 * kSecond;
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortA].size(), 2u) << "the next round, within max";
}

TEST(Worker, AFullHandoffRingDropsTheFrameAsHandoffFull) {
  for (unsigned reader = 0; reader < 2; ++reader) {
    Appliance a(2);
    a.net.ring_room = 0;
    a.net.arrive(kPortA, vm1_to_vm2());
    a.workers[reader]->iterate();
    if (!a.net.tx[kPortB].empty()) continue;  // this reader owns it: nothing handed over
    EXPECT_EQ(a.net.freed.size(), 1u);
    EXPECT_EQ(a.drops(DropReason::kHandoffFull), 1u);
    EXPECT_EQ(a.net.unaccounted(), 0u);
    EXPECT_EQ(a.eni("vm1").rx_packets, 0u);  // the owner never saw it
    EXPECT_EQ(a.counters.port(kPortA).rx_packets, 1u);
    return;
  }
  FAIL() << "neither worker handed the frame over";
}

TEST(Worker, ABurstLargerThanOneRxBurstIsReadOverIterations) {
  Appliance a(1);
  for (uint16_t p = 0; p < kBurstSize + 3; ++p) a.net.arrive(kPortA, vm1_to_vm2(static_cast<uint16_t>(1000 + p)));
  EXPECT_EQ(a.workers[0]->iterate(), kBurstSize);
  EXPECT_EQ(a.workers[0]->iterate(), 3u);
  EXPECT_EQ(a.workers[0]->iterate(), 0u);
  EXPECT_EQ(a.net.tx[kPortB].size(), kBurstSize + 3u);
  EXPECT_EQ(a.eni("vm2").tx_packets, kBurstSize + 3u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
}

// Fragments ahead of their first fragment are held, then follow it: every
// fragment of the datagram leaves, in its original size, counted once; one
// whose first never comes is dropped after the timeout; the hold is bounded
// per ENI; and nothing is ever lost track of.
Bytes fragment_of_vm1(uint16_t id, uint16_t word, const Bytes& payload) {
  Ip4Opts o;
  o.id = id;
  o.frag = word;
  return eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.10", "10.0.2.10", 17, payload, o));
}
// A UDP datagram of 40 + 40 + 16 payload bytes in three fragments.
Bytes first_of(uint16_t id) { return fragment_of_vm1(id, 0x2000, udp(1000, 2000, Bytes(32), 96)); }
Bytes second_of(uint16_t id) { return fragment_of_vm1(id, 0x2005, Bytes(40, 2)); }
Bytes third_of(uint16_t id) { return fragment_of_vm1(id, 0x000a, Bytes(16, 3)); }
size_t held_mbufs(const FakeNet& n) { return n.unaccounted(); }

TEST(Worker, FragmentsInReverseOrderAreHeldThenAllLeave) {
  Appliance a(1);
  const Bytes third = third_of(7), second = second_of(7), first = first_of(7);
  a.net.arrive(kPortA, third);
  a.net.arrive(kPortA, second);
  a.net.arrive(kPortA, first);
  EXPECT_EQ(a.workers[0]->iterate(), 3u);
  ASSERT_EQ(a.net.tx[kPortB].size(), 3u);
  std::multiset<size_t> sizes;
  for (const rte_mbuf* m : a.net.tx[kPortB]) sizes.insert(m->data_len);
  EXPECT_EQ(sizes, (std::multiset<size_t>{first.size(), second.size(), third.size()}));  // not reassembled
  EXPECT_EQ(a.eni("vm1").rx_packets, 3u);
  EXPECT_EQ(a.eni("vm1").rx_bytes, first.size() + second.size() + third.size());
  EXPECT_EQ(a.eni("vm2").tx_packets, 3u);
  EXPECT_EQ(a.drops(DropReason::kFragmentOrphan), 0u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
}

TEST(Worker, AFragmentHeldAcrossBurstsLeavesWhenItsFirstArrives) {
  Appliance a(1);
  a.net.arrive(kPortA, second_of(8));
  a.workers[0]->iterate();
  EXPECT_TRUE(a.net.tx[kPortB].empty());
  EXPECT_EQ(held_mbufs(a.net), 1u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 0u);  // counted when decided
  a.net.arrive(kPortA, third_of(8));
  a.net.arrive(kPortA, first_of(8));
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortB].size(), 3u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 3u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
}

TEST(Worker, AHeldFragmentWhoseFirstNeverComesTimesOut) {
  Appliance a(1);
  a.net.arrive(kPortA, second_of(9));
  a.workers[0]->iterate();
  EXPECT_EQ(held_mbufs(a.net), 1u);
  a.net.clock += 29ull * 1000000000;
  a.workers[0]->iterate();
  EXPECT_EQ(held_mbufs(a.net), 1u);  // not yet
  a.net.clock += 2ull * 1000000000;
  a.workers[0]->iterate();
  EXPECT_EQ(a.drops(DropReason::kFragmentTimeout), 1u);
  EXPECT_EQ(a.eni("vm1").drops[static_cast<size_t>(DropReason::kFragmentTimeout)], 1u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 1u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
  a.net.arrive(kPortA, first_of(9));  // too late: the first goes alone
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortB].size(), 1u);
}

TEST(Worker, OneEnisEarlyFragmentsCannotTakeTheWholeHold) {
  Appliance a(1);
  for (uint16_t id = 0; id < kHoldPerEni + 3; ++id) a.net.arrive(kPortA, second_of(static_cast<uint16_t>(100 + id)));
  while (a.workers[0]->iterate()) {
  }
  EXPECT_EQ(held_mbufs(a.net), kHoldPerEni);
  EXPECT_EQ(a.drops(DropReason::kFragmentHoldFull), 3u);
  EXPECT_EQ(a.eni("vm1").drops[static_cast<size_t>(DropReason::kFragmentHoldFull)], 3u);
  // vm2's own early fragment still has room.
  Ip4Opts o;
  o.id = 5;
  o.frag = 0x2000;
  a.net.arrive(kPortB, eth(kRouterMac, kVm2Mac, 0x0800, ipv4("10.0.2.10", "10.0.1.10", 17, Bytes(16), {.frag = 0x0005, .id = 5})));
  a.workers[0]->iterate();
  EXPECT_EQ(held_mbufs(a.net), kHoldPerEni + 1);
  a.net.arrive(kPortB, eth(kRouterMac, kVm2Mac, 0x0800, ipv4("10.0.2.10", "10.0.1.10", 17, udp(1, 2, Bytes(32), 56), o)));
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortA].size(), 2u);
  EXPECT_EQ(held_mbufs(a.net), kHoldPerEni);
}

TEST(Worker, AnEarlyFragmentOverlappingOneHeldIsDropped) {
  Appliance a(1);
  a.net.arrive(kPortA, second_of(11));
  a.net.arrive(kPortA, fragment_of_vm1(11, 0x2006, Bytes(16, 9)));  // bytes 48..63, inside 40..79
  a.workers[0]->iterate();
  EXPECT_EQ(a.drops(DropReason::kFragmentOverlap), 1u);
  EXPECT_EQ(held_mbufs(a.net), 1u);
  a.net.arrive(kPortA, first_of(11));
  a.net.arrive(kPortA, third_of(11));
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortB].size(), 3u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
}

TEST(Worker, AFragmentHeldAcrossAPushIsDroppedNotMisattributed) {
  Appliance a(1);
  a.net.arrive(kPortA, second_of(12));
  a.workers[0]->iterate();
  std::string next = kConfig;
  next.replace(next.find(R"("generation": 1)"), 15, R"("generation": 2)");
  a.publisher.offline(0);  // as a sleeping worker: the publish need not wait for it
  a.publisher.publish(control::compile_snapshot(control::parse_config_json(next, "test"), {{"a", kPortA}, {"b", kPortB}}));
  a.publisher.online(0);
  a.net.arrive(kPortA, first_of(12));
  a.workers[0]->iterate();
  EXPECT_EQ(a.net.tx[kPortB].size(), 1u);
  EXPECT_EQ(a.drops(DropReason::kFragmentOrphan), 1u);
  EXPECT_EQ(a.net.unaccounted(), 0u);
}

TEST(Worker, HeldFragmentsAreFreedWhenTheWorkerGoes) {
  auto a = std::make_unique<Appliance>(1);
  a->net.arrive(kPortA, second_of(13));
  a->workers[0]->iterate();
  EXPECT_EQ(held_mbufs(a->net), 1u);
  a->workers.clear();
  EXPECT_EQ(a->net.unaccounted(), 0u);
}

// A first fragment too short for its TCP header (8 bytes: the ports, not
// the flags; RFC 1858's tiny fragment) is judged once the next fragment
// completes the header, whatever the order: the whole header meets vm2's
// port rule, and every fragment then follows that verdict. A fragment
// arriving afterwards to rewrite the judged header is an overlap.
void publish_web_only(Appliance& a) {
  std::string next = kConfig;
  auto sub = [&](const std::string& from, const std::string& to) {
    const size_t at = next.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    next.replace(at, from.size(), to);
  };
  sub(R"("generation": 1)", R"("generation": 2)");
  sub(R"("security_groups": [{"id": "sg-open")",
      R"("security_groups": [{"id": "sg-web", "vpc": "vpc-1", "ingress": [{"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "cidrs": ["0.0.0.0/0"]}]},
                             {"id": "sg-open")");
  sub(R"("ipv4": ["10.0.2.10"], "security_groups": ["sg-open"])", R"("ipv4": ["10.0.2.10"], "security_groups": ["sg-web"])");
  a.publisher.offline(0);
  a.publisher.publish(control::compile_snapshot(control::parse_config_json(next, "test"), {{"a", kPortA}, {"b", kPortB}}));
  a.publisher.online(0);
}
std::vector<Bytes> tiny_first_datagram(uint16_t id, uint16_t dport) {
  const Bytes header = tcp(40000, dport, 0x02);  // 20 bytes: SYN
  auto piece = [&](uint16_t word, Bytes payload) {
    Ip4Opts o;
    o.id = id;
    o.frag = word;
    return eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.10", "10.0.2.10", 6, payload, o));
  };
  Bytes second(header.begin() + 8, header.end());
  second.resize(16, 7);
  return {piece(0x2000, Bytes(header.begin(), header.begin() + 8)),  // ports and sequence number only
          piece(0x2001, second),                                    // offset 8: the rest of the header
          piece(0x0003, Bytes(16, 9))};                             // offset 24, the last
}

TEST(Worker, AShortFirstFragmentIsJudgedOnceItsHeaderIsCompleteInAnyOrder) {
  Appliance a(1);
  publish_web_only(a);
  struct Case {
    const char* proves;
    uint16_t id, dport;
    std::vector<int> order;
    size_t delivered;
  };
  size_t sent_so_far = 0;
  for (const Case& c : std::vector<Case>{
           {"to vm2:80 in order: all three leave", 1, 80, {0, 1, 2}, 3},
           {"to vm2:80 last first: all three leave", 2, 80, {2, 1, 0}, 3},
           {"to vm2:80, the short first last: all three leave", 3, 80, {1, 2, 0}, 3},
           {"to vm2:22 in order: all refused (sg_deny)", 4, 22, {0, 1, 2}, 0},
           {"to vm2:22 last first: all refused", 5, 22, {2, 1, 0}, 0},
       }) {
    SCOPED_TRACE(c.proves);
    const auto pieces = tiny_first_datagram(c.id, c.dport);
    for (int k : c.order) {
      a.net.arrive(kPortA, pieces[k]);
      a.workers[0]->iterate();  // one fragment per burst: the hold is what orders them
    }
    sent_so_far += c.delivered;
    EXPECT_EQ(a.net.tx[kPortB].size(), sent_so_far);
    EXPECT_EQ(a.net.unaccounted(), 0u) << "a fragment is still held";
  }
  EXPECT_EQ(a.drops(DropReason::kSgDeny), 6u);
  EXPECT_EQ(a.drops(DropReason::kMalformed), 0u);
  EXPECT_EQ(a.eni("vm1").rx_packets, 15u);
  // After the judgement, a fragment rewriting the judged header (offset 8,
  // other flags) overlaps it and is refused.
  const auto pieces = tiny_first_datagram(6, 80);
  a.net.arrive(kPortA, pieces[0]);
  a.net.arrive(kPortA, pieces[1]);
  a.workers[0]->iterate();
  Bytes rewrite = pieces[1];
  rewrite[14 + 20 + 5] = 0x01;  // byte 13 of the TCP header: FIN instead of SYN
  a.net.arrive(kPortA, rewrite);
  a.workers[0]->iterate();
  EXPECT_EQ(a.drops(DropReason::kFragmentOverlap), 1u);
}

}  // namespace
}  // namespace vfpath::test
