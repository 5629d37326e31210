// Independent jobs on several threads: the one way the scan (directory_source.cpp) and the walk
// (validate.cpp) spread work over the cores.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

namespace ociwasm::detail {

// How many threads run_in_parallel uses for `count` jobs when asked for `requested` (0: one per
// core); at least 1.
inline unsigned parallel_threads(std::size_t count, unsigned requested) {
    // Asked once: glibc reads /sys/devices/system/cpu/online at every call, and the walk asks
    // for each window of manifests and each index descriptor (55,000 opens at 100,000 apps).
    static const unsigned cores = std::thread::hardware_concurrency();
    unsigned threads = requested != 0 ? requested : cores;
    return static_cast<unsigned>(std::clamp<std::size_t>(count, 1, std::max(1u, threads)));
}

// Calls fn(job, worker) for every job in [0, count), on `threads` threads (this one included),
// each job once; `worker` < threads names the thread, for per-thread buffers. When the system
// gives fewer threads, the ones there are do all the jobs.
inline void run_in_parallel(std::size_t count, unsigned threads,
                            const std::function<void(std::size_t, unsigned)>& fn) {
    std::atomic<std::size_t> next{0};
    auto work = [&](unsigned worker) {
        for (std::size_t job = next++; job < count; job = next++) fn(job, worker);
    };
    std::vector<std::thread> workers;
    if (threads > 1 && count > 1) {
        workers.reserve(threads - 1);
        try {
            for (unsigned worker = 1; worker < threads; ++worker)
                workers.emplace_back(work, worker);
        } catch (const std::system_error&) {
            // Fewer threads than asked for: the ones we have do the work.
        }
    }
    work(0);
    for (std::thread& worker : workers) worker.join();
}

}  // namespace ociwasm::detail
