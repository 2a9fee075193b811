// Listing a worker's connections in bounded slices: filters, the cap, and
// that a listing is complete once `done`, whatever the slice size.
#include "dataplane/connection_listing.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "conntrack/flow_key.h"

namespace vfpath {
namespace {

IpAddr v4(const char* text) {
  IpAddr a{};
  inet_pton(AF_INET, text, a.bytes);
  return a;
}

std::unique_ptr<ct::FlowTable> table_with_connections() {
  auto t = ct::FlowTable::create({.capacity = 4096, .zones = 8, .ticks_per_second = 1000000000});
  for (uint16_t i = 0; i < 100; ++i) {  // zone 1: 100 UDP flows from 10.0.1.10, ports 1000..1099 -> 53
    auto k = ct::make_key(1, 4, 17, v4("10.0.1.10"), v4("10.0.2.10"), be16::from_host(1000 + i), be16::from_host(53), false);
    t->insert(k.key, ct::flow_hash(k.key), {k.src_side, ct::TimeoutClass::kUdpUnreplied, 7, true}, 1);
  }
  auto k = ct::make_key(2, 4, 1, v4("10.0.1.20"), v4("10.0.2.10"), be16::from_host(77), be16{}, true);  // zone 2: echo
  t->insert(k.key, ct::flow_hash(k.key), {k.src_side, ct::TimeoutClass::kIcmp, 7, true}, 1);
  return t;
}

std::vector<ConnectionRecord> list(const ct::FlowTable& t, ConnectionFilter f, size_t max, uint32_t budget) {
  ListingRequest r;
  r.filter = std::move(f);
  r.max = max;
  r.out.reserve(max);
  int slices = 0;
  while (!r.done.load()) {
    serve_listing_slice(t, r, 2, budget);
    EXPECT_LT(++slices, 100000);
  }
  return r.out;
}

TEST(ConnectionListing, FiltersAndTheCapApplyAndSlicingLosesNothing) {
  auto t = table_with_connections();
  EXPECT_EQ(list(*t, {}, 1000, 7).size(), 101u);
  EXPECT_EQ(list(*t, {}, 1000, 100000).size(), 101u);
  EXPECT_EQ(list(*t, {.zone = 2}, 1000, 64).size(), 1u);
  EXPECT_EQ(list(*t, {.address = v4("10.0.1.20")}, 1000, 64).size(), 1u);
  EXPECT_EQ(list(*t, {.port = 1042}, 1000, 64).size(), 1u);
  EXPECT_EQ(list(*t, {.port = 53}, 1000, 64).size(), 100u);
  EXPECT_EQ(list(*t, {.state = "udp_unreplied"}, 1000, 64).size(), 100u);
  EXPECT_EQ(list(*t, {.state = "icmp"}, 1000, 64).size(), 1u);
  EXPECT_EQ(list(*t, {.state = "established"}, 1000, 64).size(), 0u);
  EXPECT_EQ(list(*t, {}, 10, 64).size(), 10u);
  auto one = list(*t, {.port = 1042}, 1000, 64);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].generation, 7u);
  EXPECT_GT(one[0].seconds_left, 25u);  // UDP unreplied: 30 s
}

TEST(ConnectionListing, StateNamesAreTheOnesListingsReport) {
  for (const char* name : {"established", "syn_sent", "time_wait", "udp_unreplied", "udp_stream", "icmp", "other"})
    EXPECT_TRUE(is_connection_state(name)) << name;
  for (const char* name : {"none", "ESTABLISHED", "open", ""}) EXPECT_FALSE(is_connection_state(name)) << name;
}

TEST(ConnectionListing, ExpiredConnectionsAreNotListed) {
  auto t = table_with_connections();
  ListingRequest r;
  r.max = 1000;
  r.out.reserve(1000);
  serve_listing_slice(*t, r, 31ull * 1000000000, 1u << 20);  // past UDP's 30 s and ICMP's 30 s
  EXPECT_TRUE(r.done.load());
  EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace vfpath
