#pragma once
// Progress output of bulk runs, on stderr: a bar redrawn in place (at most ~10 times a second)
// when stderr is a terminal, plain periodic lines otherwise (every 5 s or every 10%), so logs of
// CI jobs stay readable.

#include <memory>

#include "app/export_run.h"

namespace dlexport::cli {

// `terminal`: draw the bar (callers pass isatty(stderr)).
std::unique_ptr<app::ProgressListener> make_progress(bool terminal);

}  // namespace dlexport::cli
