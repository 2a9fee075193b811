/* What the XDP program (vfpath_xdp.bpf.c) and vfpathd's map writer
 * (xdp_maps.h) share: map names, key and value layouts, counter indexes.
 * Plain C with fixed-width types, included by the BPF program and by C++:
 * both sides must see the same bytes. */
#ifndef VFPATH_XDP_ABI_H
#define VFPATH_XDP_ABI_H

#include <linux/bpf.h>
#include <linux/types.h>

#define VFP_XDP_MAX_ENIS 1024      /* = kMaxEnis: ENI counter slots */
#define VFP_XDP_MAX_BLOCKED 65536  /* prefixes per family */

enum vfp_xdp_role {
  VFP_XDP_ROLE_UNSET = 0, /* before vfpathd configures it: everything to the appliance */
  VFP_XDP_ROLE_ENI = 1,   /* a port of VMs: frames from an ENI's MAC (and VLAN) are the appliance's */
  VFP_XDP_ROLE_UPLINK = 2 /* the underlay: frames to the underlay address (and ARP/ND for it) are */
};

/* vfp_config[0] */
struct vfp_xdp_config {
  __u32 role;
  __u8 has_underlay_v4;
  __u8 has_underlay_v6;
  __u8 host_pass; /* frames not the appliance's go to the host (else to the appliance, which counts them) */
  __u8 pad;
  __u16 vxlan_port;  /* network order; 0: none */
  __u16 geneve_port; /* network order; 0: none */
  __u8 underlay_v4[4];
  __u8 underlay_v6[16];
};

/* vfp_enis: (source MAC, VLAN) -> the ENI's counter slot */
struct vfp_xdp_eni_key {
  __u8 mac[6];
  __u16 vlan; /* host order; 0 untagged */
};

struct vfp_xdp_eni {
  __u32 slot;
};

/* vfp_block4 / vfp_block6: LPM tries of source prefixes dropped early */
struct vfp_xdp_lpm4 {
  __u32 prefixlen;
  __u8 addr[4];
};
struct vfp_xdp_lpm6 {
  __u32 prefixlen;
  __u8 addr[16];
};

/* vfp_syn[slot]: the ENI's new-connection (TCP SYN) allowance, a token
 * bucket shared by every CPU. rate 0: unlimited. Tokens in millitokens. */
struct vfp_xdp_syn_bucket {
  struct bpf_spin_lock lock;
  __u32 rate;   /* SYNs per second */
  __u32 burst;  /* SYNs */
  __u64 tokens; /* millitokens */
  __u64 last_ns;
};

/* vfp_counters (per CPU): what the program did, by index */
enum vfp_xdp_counter {
  VFP_XDP_REDIRECTED = 0,       /* to the appliance's AF_XDP socket */
  VFP_XDP_HOST = 1,             /* not the appliance's: passed to the host's stack */
  VFP_XDP_BLOCKED = 2,          /* a source in xdp.block */
  VFP_XDP_SYN_FLOOD = 3,        /* a SYN over its ENI's new-connection allowance */
  VFP_XDP_UNDERLAY_FRAGMENT = 4, /* a fragment to the underlay address (the decap refuses them) */
  VFP_XDP_UNDERLAY_MALFORMED = 5, /* truncated headers to the underlay address */
  VFP_XDP_COUNTERS = 6
};

/* vfp_eni_drops (per CPU): [slot * 2 + 0] blocked, [slot * 2 + 1] SYN flood */
#define VFP_XDP_ENI_DROPS (VFP_XDP_MAX_ENIS * 2)

#endif
