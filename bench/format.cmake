dlx_add_bench(NAME format_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/format_bench.cc LIBS dlexport::format)
get_filename_component(DLX_BENCH_GOLDEN_DIR ${PROJECT_SOURCE_DIR}/../shared/dataloop/golden ABSOLUTE)
target_compile_definitions(format_bench PRIVATE DLX_GOLDEN_DIR="${DLX_BENCH_GOLDEN_DIR}")
