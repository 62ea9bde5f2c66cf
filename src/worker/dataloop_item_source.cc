#include "worker/dataloop_item_source.h"

namespace dlexport::worker {
namespace {

class DataloopItemSource final : public ItemSource {
 public:
  explicit DataloopItemSource(const dataloop::Client& client) : client_(client) {}

  Status scan(const std::string& dataset_id, const Json& conditions,
              const PageHandler& on_page) override {
    dataloop::ItemFilter filter;
    filter.conditions = conditions.is_array() ? conditions : Json::array();
    dataloop::ItemPager pager = client_.query_items(dataset_id, filter);
    for (;;) {
      auto page = pager.next();
      if (!page) return page.status();
      if (page->empty()) return {};
      std::vector<ItemRef> refs;
      refs.reserve(page->size());
      for (const dataloop::Item& item : *page) refs.push_back({item.id, item.updated_at});
      DLX_RETURN_IF_ERROR(on_page(refs));
    }
  }

 private:
  const dataloop::Client& client_;
};

}  // namespace

std::unique_ptr<ItemSource> make_dataloop_item_source(const dataloop::Client& client) {
  return std::make_unique<DataloopItemSource>(client);
}

}  // namespace dlexport::worker
