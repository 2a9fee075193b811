// The worker's counting rules, as pure functions over one lcore's counters:
// what a received burst, the pipeline's verdicts and a transmit attempt add.
// The worker calls them; tests/dataplane/accounting_test.cc states the rules
// table by table. Names from the VM's point of view (counters.h).
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/burst.h"
#include "dataplane/counters.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/snapshot.h"

namespace vfpath {

// A frame queued for a port whose counters are no ENI's (the uplink).
inline constexpr uint32_t kNoCounterSlot = ~0u;

// A burst read from `port`. Frames another worker handed over are not
// counted again: the worker that read them from the port did.
void account_port_rx(LcoreCounters& c, uint16_t port, uint16_t packets, uint64_t bytes);

// What the pipeline decided for v[0, n) (lengths: each frame's length as
// received): the sending ENI's rx, every drop by reason, globally and charged
// to the sending ENI (or, for overlay ingress with no sender, to the ENI it
// was for), and the NACL entries that decided. kHandoff verdicts count
// nothing: the owner worker runs the pipeline on them and counts them once;
// nor do kHold verdicts: they are counted when the held fragment is decided.
void account_verdicts(LcoreCounters& c, std::span<const EniEntry> enis, const Verdict* v,
                      const uint32_t* lengths, uint16_t n);

// One transmit attempt of `count` frames on `port` of which the first `sent`
// left: port tx, and tx for each frame's ENI slot (kNoCounterSlot: none, e.g.
// encapsulated frames, counted on the uplink port only), metered by
// `classes` (null, or kNone for a frame: not metered); the rest are
// tx_full, globally and for their ENI slot.
void account_tx(LcoreCounters& c, uint16_t port, const uint32_t* slots, const uint32_t* bytes, uint16_t count,
                uint16_t sent, const TrafficClass* classes = nullptr);

// The metering class of a forwarded packet by where it goes (sent by a VM)
// or where it came from (delivered to one): another ENI here, the overlay
// (kUplinkEni, or no ENI: decapsulated), the internet gateway.
inline TrafficClass destination_class(uint16_t out_eni, std::size_t enis) {
  if (out_eni < enis) return TrafficClass::kLocal;
  if (out_eni == kUplinkEni) return TrafficClass::kOverlay;
  return out_eni == kInternetEni ? TrafficClass::kInternet : TrafficClass::kNone;
}
inline TrafficClass source_class(uint16_t in_eni, std::size_t enis) {
  if (in_eni < enis) return TrafficClass::kLocal;
  return in_eni == kInternetEni ? TrafficClass::kInternet : TrafficClass::kOverlay;
}

// Frames a full handoff ring refused (dropped, `handoff_full`).
void account_handoff_full(LcoreCounters& c, unsigned refused);

// `n` frames of no ENI's traffic dropped for `r` (the metadata service's
// queue full, a reply to an ENI gone since), counted globally.
void account_drops(LcoreCounters& c, DropReason r, unsigned n);

}  // namespace vfpath
