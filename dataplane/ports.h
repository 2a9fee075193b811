// DPDK ports: probing a device from its devargs and bringing it up with one
// tx queue per worker and as many rx queues as the device allows (up to one
// per worker). Control path: errors are exceptions with the port's name and
// the DPDK error text.
#pragma once

#include <rte_mempool.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace vfpath {

class PortError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PortSetup {
  uint16_t port_id = 0;
  uint16_t rx_queues = 0;
  uint16_t tx_queues = 0;
};

// Probes `devargs` (a PCI address, or a vdev such as "net_pcap0,rx_pcap=a.pcap")
// unless a port of that device name already exists; returns its port id.
uint16_t probe_port(const std::string& name, const std::string& devargs);

// Configures, starts and sets promiscuous mode (where supported). With
// `udp_checksum_offload` (the overlay's uplink, underlay.udp_checksum
// OFFLOAD) the device must offer UDP and IPv4/IPv6 TX checksum offload, or
// PortError says so.
PortSetup start_port(const std::string& name, uint16_t port_id, uint16_t workers,
                     rte_mempool* pool, bool udp_checksum_offload = false);

// Stops and closes; for vdevs this also flushes their output (pcap files).
void stop_port(uint16_t port_id);

}  // namespace vfpath
