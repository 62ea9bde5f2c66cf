dlx_add_bench(NAME queue_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/queue_bench.cc LIBS dlexport::queue)
