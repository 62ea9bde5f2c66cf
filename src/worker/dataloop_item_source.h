#pragma once
// The ItemSource of the Dataloop platform: dataloop::Client::query_items, page by page.

#include <memory>

#include "dataloop/client.h"
#include "worker/item_source.h"

namespace dlexport::worker {

// `client` must outlive the source.
std::unique_ptr<ItemSource> make_dataloop_item_source(const dataloop::Client& client);

}  // namespace dlexport::worker
