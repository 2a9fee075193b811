#include "dataplane/worker_impl.h"

namespace vfpath {

template class BasicWorker<EthIo>;

}  // namespace vfpath
