#include "ociwasm/finding.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "record_log.h"
#include "test_support.h"

namespace ociwasm {
namespace {

using testing::ScopedEnv;

// The records a log gives back, in order.
std::vector<std::string> records_of(const detail::RecordLog& log) {
    std::vector<std::string> out;
    log.visit([&](std::string_view record) {
        out.emplace_back(record);
        return true;
    });
    return out;
}

TEST(RecordLog, GivesBackEveryRecordInOrderAcrossTheSpill) {
    detail::RecordLog log(1000);
    std::vector<std::string> written;
    for (int i = 0; i < 500; ++i) {
        // Sizes from 0 up, and one record far larger than a read chunk, so records straddle
        // the chunks the file is read back in.
        std::string record = i == 250 ? std::string(300 * 1024, 'x') : std::string(i % 37, 'a');
        record += std::to_string(i);
        written.push_back(record);
        log.append(record);
    }
    EXPECT_TRUE(log.spilled());
    EXPECT_EQ(log.size(), written.size());
    EXPECT_EQ(records_of(log), written);
    EXPECT_EQ(records_of(log), written) << "a second visit reads the same";
}

TEST(RecordLog, VisitStopsWhenAsked) {
    detail::RecordLog log(64);
    for (int i = 0; i < 100; ++i) log.append(std::to_string(i));
    int seen = 0;
    log.visit([&](std::string_view) { return ++seen < 10; });
    EXPECT_EQ(seen, 10);
}

TEST(RecordLog, WithoutATemporaryFileEverythingStaysHeld) {
    ScopedEnv tmpdir("TMPDIR", "/nonexistent/ociwasm-no-such-dir");
    detail::RecordLog log(64);
    std::vector<std::string> written;
    for (int i = 0; i < 100; ++i) {
        written.push_back("record " + std::to_string(i));
        log.append(written.back());
    }
    EXPECT_FALSE(log.spilled());
    EXPECT_EQ(records_of(log), written);
}

TEST(Findings, ManyFindingsKeepOrderCountsAndFieldsBeyondWhatIsHeld) {
    Findings findings;
    const int kCount = 20000;  // about 2 MiB of records: more than the 1 MiB held
    for (int i = 0; i < kCount; ++i) {
        std::string n = std::to_string(i);
        if (i % 3 == 0) {
            findings.error("CODE-A", "index.json: /m/" + n + ": message " + n, "index.json",
                           "/m/" + n, "sha256:" + n);
        } else if (i % 3 == 1) {
            findings.warning("CODE-B", "warning " + n, "f" + n);
        } else {
            findings.info("CODE-C", "info " + n);
        }
    }
    EXPECT_EQ(findings.size(), static_cast<std::size_t>(kCount));
    EXPECT_EQ(findings.count(Severity::error), 6667u);
    EXPECT_EQ(findings.count(Severity::warning), 6667u);
    EXPECT_EQ(findings.count(Severity::info), 6666u);
    EXPECT_TRUE(findings.contains("CODE-B"));
    EXPECT_FALSE(findings.contains("CODE-D"));
    EXPECT_EQ(findings.codes(), (std::vector<std::string>{"CODE-A", "CODE-B", "CODE-C"}));
    int i = 0;
    bool all_match = true;
    findings.for_each([&](const Finding& f) {
        std::string n = std::to_string(i);
        if (i % 3 == 0) {
            all_match = all_match && f.severity == Severity::error && f.code == "CODE-A" &&
                        f.message == "index.json: /m/" + n + ": message " + n &&
                        f.file == "index.json" && f.pointer == "/m/" + n &&
                        f.digest == "sha256:" + n && f.occurrences == 1;
        } else if (i % 3 == 1) {
            all_match = all_match && f.severity == Severity::warning && f.file == "f" + n;
        } else {
            all_match = all_match && f.severity == Severity::info && f.message == "info " + n;
        }
        ++i;
    });
    EXPECT_EQ(i, kCount);
    EXPECT_TRUE(all_match);

    Findings copy = findings;
    EXPECT_EQ(copy.size(), findings.size());
    EXPECT_EQ(copy.all().back().message, "warning 19999");

    findings.remove_if([](const Finding& f) { return f.code != "CODE-B"; });
    EXPECT_EQ(findings.size(), 6667u);
    EXPECT_EQ(findings.count(Severity::error), 0u);
    EXPECT_FALSE(findings.contains("CODE-A"));
    EXPECT_EQ(findings.all().front().file, "f1");
    EXPECT_EQ(copy.size(), static_cast<std::size_t>(kCount)) << "a copy is its own";
}

Finding size_mismatch(std::string pointer, std::string digest) {
    return {Severity::error,
            "OCI-SIZE-MISMATCH",
            "index.json: " + pointer + ": wrong size",
            "index.json",
            pointer,
            std::move(digest)};
}

TEST(Findings, OneBlobReachedManyTimesIsOneFindingWithItsCount) {
    Findings findings;
    findings.add_reached(size_mismatch("/manifests/0/size", "sha256:aa"));
    findings.warning("OTHER", "in between");
    for (int i = 1; i < 100000; ++i) {
        findings.add_reached(size_mismatch("/manifests/" + std::to_string(i) + "/size",
                                           i % 2 == 0 ? "sha256:aa" : "sha256:bb"));
    }
    // The same code and digest from a plain add is another finding, not an occurrence.
    findings.add(size_mismatch("/other", "sha256:aa"));
    std::vector<Finding> all = findings.all();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].pointer, "/manifests/0/size") << "the first descriptor is the one shown";
    EXPECT_EQ(all[0].occurrences, 50000u);
    EXPECT_EQ(all[1].code, "OTHER");
    EXPECT_EQ(all[2].pointer, "/manifests/1/size");
    EXPECT_EQ(all[2].occurrences, 50000u);
    EXPECT_EQ(all[3].occurrences, 1u);
    EXPECT_EQ(findings.count(Severity::error), 3u);

    // Without a digest there is no blob to count by: each is its own finding.
    Findings undigested;
    undigested.add_reached(size_mismatch("/a", ""));
    undigested.add_reached(size_mismatch("/b", ""));
    EXPECT_EQ(undigested.size(), 2u);

    // Appending and removing keep the counts.
    Findings merged;
    merged.add_reached(size_mismatch("/x", "sha256:aa"));
    merged.append(findings);
    findings.remove_if([](const Finding& f) { return f.code == "OTHER"; });
    EXPECT_EQ(findings.all()[0].occurrences, 50000u);
    all = merged.all();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].pointer, "/x");
    EXPECT_EQ(all[0].occurrences, 50001u);
    findings.add_reached(size_mismatch("/later", "sha256:bb"));
    EXPECT_EQ(findings.all()[1].occurrences, 50001u) << "still counted after remove_if";
}

}  // namespace
}  // namespace ociwasm
