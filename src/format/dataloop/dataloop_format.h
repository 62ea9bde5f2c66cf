#pragma once
// The `dataloop` export format (default): the bytes the Dataloop Python app writes today,
// `json.dumps(item.to_json() + {"annotations": [...]}, indent=2)` with dtlpy 1.124.2
// (WIRE.md §4.2, §5.1, §5.2, §5.2.1; vectors in shared/dataloop/golden/).
//
// Documented deviation: where the SDK would drop an annotation (it fails to parse it) or invent
// data (a pose without instanceId, a cube without angle), the raw annotation is written
// unchanged and a warning names it, instead of losing it silently.

#include "format/format.h"

namespace dlexport::format {

FormatPtr make_dataloop_format(const FormatOptions& options);

}  // namespace dlexport::format
