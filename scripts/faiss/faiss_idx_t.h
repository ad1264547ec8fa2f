// Compatibility header, force-included into faiss-node's sources by scripts/faiss/CMakeLists.txt.
// faiss 1.7.4 (which faiss-node 0.5.1 targets) declares `faiss::idx_t` at namespace scope in
// faiss/MetricType.h; Debian's faiss 1.7.3 only has `faiss::Index::idx_t`. Both are int64_t, and
// repeating an alias declaration for the same type is legal C++, so this stays harmless on a
// newer libfaiss.
#pragma once
#include <cstdint>

namespace faiss {
using idx_t = int64_t;
}
