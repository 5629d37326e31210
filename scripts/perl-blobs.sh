# shellcheck shell=bash
# The perl that writes generated layouts, shared by scripts/bench.sh and the tests that make
# large layouts (tests/cli/lib.sh sources it): blob(BYTES) writes a blob into the directory
# $BLOBS (from the environment) and returns its digest and size; desc(MEDIA_TYPE, DIGEST, SIZE)
# is its descriptor. Use: BLOBS=DIR perl -MDigest::SHA=sha256_hex -e "$PERL_BLOBS"'...'.
# shellcheck disable=SC2016,SC2034  # perl expands these, not the shell; the sourcing script uses it
readonly PERL_BLOBS='
    my $blobs = $ENV{BLOBS};
    sub blob {
        my ($bytes) = @_;
        my $hex = sha256_hex($bytes);
        open(my $out, ">", "$blobs/$hex") or die "$blobs/$hex: $!";
        print $out $bytes;
        close($out) or die "$blobs/$hex: $!";
        return ("sha256:$hex", length($bytes));
    }
    sub desc { sprintf(q({"digest":"%s","mediaType":"%s","size":%d}), $_[1], $_[0], $_[2]) }
'
