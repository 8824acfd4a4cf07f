slice_totals() {
    awk '
        /requests in / { req = $1; summary = 1 }
        /Socket errors:/ { gsub(/,/, ""); c = $4; r = $6; w = $8; t = $10 }
        /Non-2xx or 3xx responses:/ { s = $NF }
        /^wrk exit [1-9]/ { failed = 1 }
        END { if (!summary) failed = 1; printf "%d %d %d %d %d %d %d\n", req, c, r, w, t, s, failed }' "$1"
}
slice_totals bad.out; slice_totals refused.out
