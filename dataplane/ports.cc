#include "dataplane/ports.h"

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <algorithm>

namespace vfpath {
namespace {

std::string device_name(const std::string& devargs) { return devargs.substr(0, devargs.find(',')); }

void check(int rc, const std::string& name, const char* what) {
  if (rc < 0) throw PortError("port " + name + ": " + what + ": " + rte_strerror(-rc));
}

}  // namespace

uint16_t probe_port(const std::string& name, const std::string& devargs) {
  uint16_t id;
  std::string dev = device_name(devargs);
  if (rte_eth_dev_get_port_by_name(dev.c_str(), &id) == 0) return id;
  int rc = rte_dev_probe(devargs.c_str());
  if (rc < 0)
    throw PortError("port " + name + ": cannot probe \"" + devargs + "\": " + rte_strerror(-rc) +
                    " (is the driver available and the device bound to it?)");
  if (rte_eth_dev_get_port_by_name(dev.c_str(), &id) != 0)
    throw PortError("port " + name + ": \"" + devargs + "\" probed but no ethdev named \"" + dev + "\"");
  return id;
}

PortSetup start_port(const std::string& name, uint16_t port_id, uint16_t workers, rte_mempool* pool,
                     bool udp_checksum_offload) {
  rte_eth_dev_info info{};
  check(rte_eth_dev_info_get(port_id, &info), name, "device info");
  PortSetup s;
  s.port_id = port_id;
  s.rx_queues = std::min<uint16_t>(workers, info.max_rx_queues);
  s.tx_queues = workers;
  if (info.max_tx_queues < workers)
    throw PortError("port " + name + ": needs one tx queue per worker (" + std::to_string(workers) +
                    ") but the device has " + std::to_string(info.max_tx_queues) +
                    "; use fewer worker cores");
  rte_eth_conf conf{};
  if (udp_checksum_offload) {
    if (!(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM))
      throw PortError("port " + name + ": underlay.udp_checksum OFFLOAD, but the device has no UDP checksum "
                      "offload; use SOFTWARE");
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
  }
  check(rte_eth_dev_configure(port_id, s.rx_queues, s.tx_queues, &conf), name, "configure");
  uint16_t rx_desc = 1024, tx_desc = 1024;
  check(rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc), name, "descriptor counts");
  int socket = rte_eth_dev_socket_id(port_id);
  if (socket < 0) socket = 0;
  for (uint16_t q = 0; q < s.rx_queues; ++q)
    check(rte_eth_rx_queue_setup(port_id, q, rx_desc, socket, nullptr, pool), name, "rx queue");
  for (uint16_t q = 0; q < s.tx_queues; ++q)
    check(rte_eth_tx_queue_setup(port_id, q, tx_desc, socket, nullptr), name, "tx queue");
  check(rte_eth_dev_start(port_id), name, "start");
  int rc = rte_eth_promiscuous_enable(port_id);  // VMs' frames go to the router MAC
  if (rc < 0 && rc != -ENOTSUP) check(rc, name, "promiscuous mode");
  return s;
}

void stop_port(uint16_t port_id) {
  rte_eth_dev_stop(port_id);
  rte_eth_dev_close(port_id);
}

}  // namespace vfpath
