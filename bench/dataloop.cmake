dlx_add_bench(NAME dql_page_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/dql_page_bench.cc LIBS dlexport::dataloop dlexport::format)
get_filename_component(DLX_BENCH_GOLDEN_DIR ${PROJECT_SOURCE_DIR}/../shared/dataloop/golden ABSOLUTE)
target_compile_definitions(dql_page_bench PRIVATE DLX_GOLDEN_DIR="${DLX_BENCH_GOLDEN_DIR}")
