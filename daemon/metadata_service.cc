#include "daemon/metadata_service.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <rte_mbuf.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "control/metadata_server.h"
#include "packet/metadata_nat.h"

namespace vfpath::daemon {
namespace {

// glibc has no in6_ifreq in a header of its own without the kernel's.
struct In6Ifreq {
  in6_addr addr;
  uint32_t prefixlen;
  int ifindex;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void set_up(int sock, const char* name) {
  ifreq r{};
  std::strncpy(r.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(sock, SIOCGIFFLAGS, &r) < 0) fail(std::string("cannot read the flags of ") + name);
  r.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &r) < 0) fail(std::string("cannot bring up ") + name);
}

// The TUN interface in this thread's namespace, addressed and routed.
int make_tun() {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail("cannot open /dev/net/tun");
  ifreq r{};
  r.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(r.ifr_name, kMetadataInterface, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &r) < 0) {
    close(fd);
    fail("cannot create the TUN interface");
  }
  try {
    Fd s4(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s4.get() < 0) fail("no IPv4 socket");
    set_up(s4.get(), "lo");
    ifreq a{};
    std::strncpy(a.ifr_name, kMetadataInterface, IFNAMSIZ - 1);
    auto* sin = reinterpret_cast<sockaddr_in*>(&a.ifr_addr);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = metadata::kServiceV4.value.raw();
    if (ioctl(s4.get(), SIOCSIFADDR, &a) < 0) fail("cannot give the TUN interface 169.254.169.254");
    sin->sin_addr.s_addr = htonl(0xffffffffu);
    if (ioctl(s4.get(), SIOCSIFNETMASK, &a) < 0) fail("cannot set the TUN interface's netmask");
    set_up(s4.get(), kMetadataInterface);
    rtentry rt{};
    auto* dst = reinterpret_cast<sockaddr_in*>(&rt.rt_dst);
    dst->sin_family = AF_INET;
    dst->sin_addr.s_addr = htonl(metadata::kClientV4Base);
    auto* mask = reinterpret_cast<sockaddr_in*>(&rt.rt_genmask);
    mask->sin_family = AF_INET;
    mask->sin_addr.s_addr = htonl(~0u << (32 - metadata::kClientV4PrefixLen));
    rt.rt_flags = RTF_UP;
    char dev[IFNAMSIZ];
    std::strncpy(dev, kMetadataInterface, IFNAMSIZ - 1);
    dev[IFNAMSIZ - 1] = 0;
    rt.rt_dev = dev;
    if (ioctl(s4.get(), SIOCADDRT, &rt) < 0) fail("cannot route 198.18.0.0/15 to the TUN interface");

    Fd s6(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s6.get() < 0) fail("no IPv6 socket");
    const int ifindex = static_cast<int>(if_nametoindex(kMetadataInterface));
    In6Ifreq a6{};
    std::memcpy(&a6.addr, metadata::service_v6().bytes.data(), 16);
    a6.prefixlen = 128;
    a6.ifindex = ifindex;
    if (ioctl(s6.get(), SIOCSIFADDR, &a6) < 0) fail("cannot give the TUN interface fd00:ec2::254");
    in6_rtmsg rt6{};
    std::memcpy(&rt6.rtmsg_dst, metadata::client_v6_prefix().bytes.data(), 16);
    rt6.rtmsg_dst_len = metadata::kClientV6PrefixLen;
    rt6.rtmsg_ifindex = ifindex;
    rt6.rtmsg_flags = RTF_UP;
    rt6.rtmsg_metric = 1;
    if (ioctl(s6.get(), SIOCADDRT, &rt6) < 0) fail("cannot route fd00:ec2:ffff::/96 to the TUN interface");
  } catch (...) {
    close(fd);
    throw;
  }
  return fd;
}

// Writes the workers' requests to the TUN; false when there were none.
bool pump_requests(const MetadataRings& rings, int tun) {
  rte_mbuf* m[32];
  const unsigned n = rte_ring_sc_dequeue_burst(rings.requests(), reinterpret_cast<void**>(m), 32, nullptr);
  for (unsigned i = 0; i < n; ++i) {
    // A full TUN queue drops it as a full NIC would: TCP sends it again.
    [[maybe_unused]] ssize_t w = write(tun, rte_pktmbuf_mtod(m[i], void*), m[i]->data_len);
    rte_pktmbuf_free(m[i]);
  }
  return n > 0;
}

// Reads what the kernel sends to the VMs into mbufs for worker 0; false
// when there was nothing.
bool pump_replies(const MetadataRings& rings, int tun) {
  bool any = false;
  for (int k = 0; k < 64; ++k) {
    rte_mbuf* m = rte_pktmbuf_alloc(rings.pool());
    if (!m) return any;  // the pool is short: the kernel's queue holds them meanwhile
    const ssize_t n = read(tun, rte_pktmbuf_mtod(m, void*), rte_pktmbuf_tailroom(m));
    if (n <= 0) {
      rte_pktmbuf_free(m);
      return any;
    }
    any = true;
    // Only TCP to a client address is for a VM: the namespace's kernel's own
    // chatter (IPv6 router solicitations, MLD) stays here.
    metadata::TcpPacket p;
    uint32_t slot, index;
    if (!metadata::parse_tcp_packet(rte_pktmbuf_mtod(m, const uint8_t*), static_cast<uint32_t>(n), p) ||
        !metadata::client_of(p, slot, index)) {
      rte_pktmbuf_free(m);
      continue;
    }
    m->data_len = static_cast<uint16_t>(n);
    m->pkt_len = static_cast<uint32_t>(n);
    if (rte_ring_sp_enqueue(rings.replies(), m) != 0) rte_pktmbuf_free(m);  // worker 0 behind: TCP resends
  }
  return any;
}

}  // namespace

MetadataService::MetadataService(const MetadataRings& rings, const SnapshotPublisher& publisher, const cpu_set_t& cpus)
    : rings_(rings) {
  thread_ = std::thread([this, &publisher, cpus] { run(publisher, cpus); });
  while (state_.load(std::memory_order_acquire) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (state_.load() < 0) {
    thread_.join();
    throw std::runtime_error(error_);
  }
}

MetadataService::~MetadataService() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void MetadataService::run(const SnapshotPublisher& publisher, const cpu_set_t& cpus) {
  if (CPU_COUNT(&cpus) > 0) pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
  std::unique_ptr<Fd> tun;
  std::unique_ptr<control::MetadataHttpServer> server;
  try {
    if (unshare(CLONE_NEWNET) != 0) fail("cannot make a network namespace for it");
    tun = std::make_unique<Fd>(make_tun());
    server = std::make_unique<control::MetadataHttpServer>(publisher);
  } catch (const std::exception& e) {
    error_ = e.what();
    state_.store(-1, std::memory_order_release);
    return;
  }
  state_.store(1, std::memory_order_release);
  // The requests ring has no file descriptor to wait on: poll it every
  // 100 us while there is traffic (a request's packet waits 50 us on
  // average), every 10 ms once idle for a second (the first packet of a
  // burst waits that long at most). The TUN wakes the thread at once.
  auto last_busy = std::chrono::steady_clock::now();
  while (!stop_.load(std::memory_order_relaxed)) {
    const bool busy = pump_requests(rings_, tun->get()) | pump_replies(rings_, tun->get());
    const auto now = std::chrono::steady_clock::now();
    if (busy) last_busy = now;
    pollfd p{tun->get(), POLLIN, 0};
    const timespec busy_wait{0, 100 * 1000}, idle_wait{0, 10 * 1000 * 1000};
    ppoll(&p, 1, now - last_busy < std::chrono::seconds(1) ? &busy_wait : &idle_wait, nullptr);
  }
  server.reset();  // before the TUN and namespace go
}

}  // namespace vfpath::daemon
