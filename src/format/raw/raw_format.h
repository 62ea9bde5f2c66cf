#pragma once
// The `raw` export format: the platform item JSON untouched, with its `annotations` member (a
// URL on the platform) replaced in place by the untouched platform annotations, all types
// included. Compact by default, indent 2 with FormatOptions::pretty. Non-ASCII is written as
// UTF-8; parsing the output gives back exactly the input.

#include "format/format.h"

namespace dlexport::format {

FormatPtr make_raw_format(const FormatOptions& options);

}  // namespace dlexport::format
