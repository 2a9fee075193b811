// SPDX-License-Identifier: GPL-2.0
/* vfpath's XDP program, in front of each net_af_xdp port (the PMD loads
 * it from the file its xdp_prog= argument names, vfpathd fills its maps).
 * Per frame, bounds-checked, no loops over the frame:
 *   - what is not the appliance's goes to the host's stack (XDP_PASS) where
 *     the port says so (xdp_host_pass): on an ENI port a source MAC (and
 *     VLAN) no ENI owns, on the uplink anything not addressed to the
 *     underlay address (ARP and ND for it included);
 *   - what the appliance would refuse anyway is dropped here, counted per
 *     CPU (and per ENI): a source in xdp.block (outer, and the inner one of
 *     VXLAN/Geneve on the uplink), a TCP SYN over its ENI's new-connection
 *     allowance, a fragment or truncated frame to the underlay address;
 *   - the rest is redirected to the AF_XDP socket of its queue.
 * Until vfpathd writes vfp_config, every frame goes to the appliance, as
 * with the PMD's own program. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdp_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u32);
} xsks_map SEC(".maps");  /* the name the PMD looks for */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct vfp_xdp_config);
} vfp_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, VFP_XDP_MAX_ENIS);
  __type(key, struct vfp_xdp_eni_key);
  __type(value, struct vfp_xdp_eni);
} vfp_enis SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, VFP_XDP_MAX_BLOCKED);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct vfp_xdp_lpm4);
  __type(value, __u8);
} vfp_block4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, VFP_XDP_MAX_BLOCKED);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct vfp_xdp_lpm6);
  __type(value, __u8);
} vfp_block6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, VFP_XDP_MAX_ENIS);
  __type(key, __u32);
  __type(value, struct vfp_xdp_syn_bucket);
} vfp_syn SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, VFP_XDP_COUNTERS);
  __type(key, __u32);
  __type(value, __u64);
} vfp_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, VFP_XDP_ENI_DROPS);
  __type(key, __u32);
  __type(value, __u64);
} vfp_eni_drops SEC(".maps");

#define NO_SLOT 0xffffffffu

/* Equal bytes (BPF has no memcmp; n is a constant, so this unrolls). */
static __always_inline int same(const __u8 *a, const __u8 *b, int n) {
  __u8 diff = 0;
#pragma unroll
  for (int i = 0; i < n; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

static __always_inline void count(__u32 what) {
  __u64 *c = bpf_map_lookup_elem(&vfp_counters, &what);
  if (c) *c += 1;
}

static __always_inline int drop(__u32 what, __u32 slot) {
  count(what);
  if (slot != NO_SLOT) {
    __u32 k = slot * 2 + (what == VFP_XDP_SYN_FLOOD ? 1 : 0);
    __u64 *c = bpf_map_lookup_elem(&vfp_eni_drops, &k);
    if (c) *c += 1;
  }
  return XDP_DROP;
}

static __always_inline int to_appliance(struct xdp_md *ctx) {
  count(VFP_XDP_REDIRECTED);
  return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline int to_host(void) {
  count(VFP_XDP_HOST);
  return XDP_PASS;
}

/* A frame that is not the appliance's: the host's, or the appliance's to count. */
static __always_inline int not_ours(struct xdp_md *ctx, const struct vfp_xdp_config *cfg) {
  return cfg->host_pass ? to_host() : to_appliance(ctx);
}

static __always_inline int blocked4(const void *addr) {
  struct vfp_xdp_lpm4 k = {.prefixlen = 32};
  __builtin_memcpy(k.addr, addr, 4);
  return bpf_map_lookup_elem(&vfp_block4, &k) != 0;
}

static __always_inline int blocked6(const void *addr) {
  struct vfp_xdp_lpm6 k = {.prefixlen = 128};
  __builtin_memcpy(k.addr, addr, 16);
  return bpf_map_lookup_elem(&vfp_block6, &k) != 0;
}

/* One token of the ENI's SYN bucket, or 0 when it is empty. */
static __always_inline int take_syn(__u32 slot) {
  struct vfp_xdp_syn_bucket *b = bpf_map_lookup_elem(&vfp_syn, &slot);
  if (!b || b->rate == 0) return 1;
  const __u64 now = bpf_ktime_get_ns();
  int ok = 0;
  bpf_spin_lock(&b->lock);
  const __u64 cap = (__u64)b->burst * 1000;
  __u64 elapsed = now - b->last_ns;
  if (elapsed > 10000000000ull) elapsed = 10000000000ull; /* 10 s refill at most: no overflow */
  __u64 tokens = b->tokens + elapsed * b->rate / 1000000; /* millitokens: rate per ns * 1e9 / 1e3 */
  if (tokens > cap) tokens = cap;
  b->last_ns = now;
  if (tokens >= 1000) {
    tokens -= 1000;
    ok = 1;
  }
  b->tokens = tokens;
  bpf_spin_unlock(&b->lock);
  return ok;
}

/* A VM's frame: blocked source, SYN allowance. `l3` is past the L2 header. */
static __always_inline int from_eni(struct xdp_md *ctx, void *l3, void *end, __u16 proto, __u32 slot) {
  if (proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = l3;
    if ((void *)(ip + 1) > end) return to_appliance(ctx); /* the parser counts it malformed */
    if (blocked4(&ip->saddr)) return drop(VFP_XDP_BLOCKED, slot);
    if (ip->protocol != IPPROTO_TCP || (ip->frag_off & bpf_htons(0x3fff)) || ip->ihl < 5)
      return to_appliance(ctx);
    struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
    if ((void *)(tcp + 1) > end) return to_appliance(ctx);
    if (tcp->syn && !tcp->ack && !take_syn(slot)) return drop(VFP_XDP_SYN_FLOOD, slot);
    return to_appliance(ctx);
  }
  if (proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = l3;
    if ((void *)(ip6 + 1) > end) return to_appliance(ctx);
    if (blocked6(&ip6->saddr)) return drop(VFP_XDP_BLOCKED, slot);
    if (ip6->nexthdr != IPPROTO_TCP) return to_appliance(ctx);
    struct tcphdr *tcp = (void *)(ip6 + 1);
    if ((void *)(tcp + 1) > end) return to_appliance(ctx);
    if (tcp->syn && !tcp->ack && !take_syn(slot)) return drop(VFP_XDP_SYN_FLOOD, slot);
  }
  return to_appliance(ctx);
}

/* VXLAN or Geneve (the configured ports; Geneve options are skipped by
 * their length) over UDP: the inner IPv4/IPv6 source against the block list. */
static __always_inline int inner_blocked(const struct vfp_xdp_config *cfg, struct udphdr *udp, void *end) {
  __u8 *tunnel = (__u8 *)(udp + 1);
  __u32 skip;
  if (cfg->vxlan_port && udp->dest == cfg->vxlan_port) {
    skip = 8;
  } else if (cfg->geneve_port && udp->dest == cfg->geneve_port) {
    if ((void *)(tunnel + 8) > end) return 0;
    skip = 8 + (tunnel[0] & 0x3f) * 4;
  } else {
    return 0;
  }
  if (skip > 8 + 63 * 4) return 0;
  struct ethhdr *eth = (void *)(tunnel + skip);
  if ((void *)(eth + 1) > end) return 0;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    return (void *)(ip + 1) <= end && blocked4(&ip->saddr);
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    return (void *)(ip6 + 1) <= end && blocked6(&ip6->saddr);
  }
  return 0;
}

static __always_inline int from_underlay(struct xdp_md *ctx, const struct vfp_xdp_config *cfg, void *l3, void *end,
                                         __u16 proto) {
  if (proto == bpf_htons(ETH_P_ARP)) {
    /* Ethernet/IPv4 ARP: the target protocol address is at byte 24. */
    __u8 *arp = l3;
    if ((void *)(arp + 28) > end || !cfg->has_underlay_v4) return not_ours(ctx, cfg);
    return same(arp + 24, cfg->underlay_v4, 4) ? to_appliance(ctx) : not_ours(ctx, cfg);
  }
  if (proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = l3;
    if ((void *)(ip + 1) > end) return not_ours(ctx, cfg);
    if (!cfg->has_underlay_v4 || !same((const __u8 *)&ip->daddr, cfg->underlay_v4, 4)) return not_ours(ctx, cfg);
    if (ip->frag_off & bpf_htons(0x3fff)) return drop(VFP_XDP_UNDERLAY_FRAGMENT, NO_SLOT);
    if (ip->ihl < 5) return drop(VFP_XDP_UNDERLAY_MALFORMED, NO_SLOT);
    if (blocked4(&ip->saddr)) return drop(VFP_XDP_BLOCKED, NO_SLOT);
    if (ip->protocol == IPPROTO_UDP) {
      struct udphdr *udp = (void *)ip + ip->ihl * 4;
      if ((void *)(udp + 1) > end) return drop(VFP_XDP_UNDERLAY_MALFORMED, NO_SLOT);
      if (inner_blocked(cfg, udp, end)) return drop(VFP_XDP_BLOCKED, NO_SLOT);
    }
    return to_appliance(ctx);
  }
  if (proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = l3;
    if ((void *)(ip6 + 1) > end || !cfg->has_underlay_v6) return not_ours(ctx, cfg);
    const int to_us = same((const __u8 *)&ip6->daddr, cfg->underlay_v6, 16);
    /* Neighbour solicitations for it go to its solicited-node group ff02::1:ffXX:XXXX. */
    const __u8 *d = (const __u8 *)&ip6->daddr;
    const int solicited = d[0] == 0xff && d[1] == 0x02 && d[11] == 0x01 && d[12] == 0xff &&
                          d[13] == cfg->underlay_v6[13] && d[14] == cfg->underlay_v6[14] &&
                          d[15] == cfg->underlay_v6[15];
    if (!to_us && !solicited) return not_ours(ctx, cfg);
    if (ip6->nexthdr == 44) return drop(VFP_XDP_UNDERLAY_FRAGMENT, NO_SLOT);
    if (blocked6(&ip6->saddr)) return drop(VFP_XDP_BLOCKED, NO_SLOT);
    if (ip6->nexthdr == IPPROTO_UDP) {
      struct udphdr *udp = (void *)(ip6 + 1);
      if ((void *)(udp + 1) > end) return drop(VFP_XDP_UNDERLAY_MALFORMED, NO_SLOT);
      if (inner_blocked(cfg, udp, end)) return drop(VFP_XDP_BLOCKED, NO_SLOT);
    }
    return to_appliance(ctx);
  }
  return not_ours(ctx, cfg);
}

SEC("xdp")
int vfpath_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  __u32 zero = 0;
  const struct vfp_xdp_config *cfg = bpf_map_lookup_elem(&vfp_config, &zero);
  if (!cfg || cfg->role == VFP_XDP_ROLE_UNSET) return to_appliance(ctx);
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return to_appliance(ctx);
  __u16 proto = eth->h_proto;
  __u16 vlan = 0;
  void *l3 = eth + 1;
  if (proto == bpf_htons(ETH_P_8021Q)) {
    __be16 *tag = l3;
    if ((void *)(tag + 2) > end) return to_appliance(ctx);
    vlan = bpf_ntohs(tag[0]) & 0x0fff;
    proto = tag[1];
    l3 = tag + 2;
  }
  if (cfg->role == VFP_XDP_ROLE_UPLINK) return from_underlay(ctx, cfg, l3, end, proto);
  struct vfp_xdp_eni_key key = {.vlan = vlan};
  __builtin_memcpy(key.mac, eth->h_source, 6);
  const struct vfp_xdp_eni *eni = bpf_map_lookup_elem(&vfp_enis, &key);
  if (!eni) return not_ours(ctx, cfg);
  return from_eni(ctx, l3, end, proto, eni->slot < VFP_XDP_MAX_ENIS ? eni->slot : NO_SLOT);
}

char LICENSE[] SEC("license") = "GPL";
