// Compiling the overlay part of a configuration: the templates per VPC, the
// VNI map, the decapsulation settings, the subnet index for remote addresses.
// Part of compile_snapshot (compile.h), in its own file as its own concern.
#pragma once

#include <memory>

#include "control/compile.h"
#include "control/model.h"
#include "dataplane/overlay_snapshot.h"

namespace vfpath::control {

// `u` is the model's underlay; `s` the snapshot compiled so far (VPCs,
// subnets, ENIs). Preconditions as compile_snapshot's; throws
// std::logic_error when they do not hold.
std::shared_ptr<const OverlaySnapshot> compile_overlay(const Model& m, const UnderlayModel& u, const PortIds& ports,
                                                       const OverlayBinding& binding, const Snapshot& s);

}  // namespace vfpath::control
