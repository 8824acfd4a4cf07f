package dev.pushback.dsl.http;

/**
 * Reason phrases for status lines: the name the IANA HTTP Status Code Registry gives each code
 * (RFC 9110 §15 and the specifications registered since).
 *
 * <p>A code without a registered name — unassigned, 306 and 418 (both "(Unused)", RFC 9110
 * §15.4.7 and §15.5.19), or outside 100..599 — gets the empty phrase, and its status line is
 * {@code HTTP/1.1 599 } followed by CRLF: RFC 9112 §4 makes the phrase optional but keeps the space
 * before it. Empty rather than a made-up class name such as "Server Error": the phrase carries no
 * meaning (a client SHOULD ignore it and reads the class from the code's first digit, RFC 9110
 * §15), so a phrase the registry never gave could only mislead whoever reads it.
 */
final class Reasons {
    private Reasons() {}

    static String of(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 102 -> "Processing";                       // RFC 2518
            case 103 -> "Early Hints";                      // RFC 8297
            case 104 -> "Upload Resumption Supported";      // temporary registration, resumable-upload draft
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 203 -> "Non-Authoritative Information";
            case 204 -> "No Content";
            case 205 -> "Reset Content";
            case 206 -> "Partial Content";
            case 207 -> "Multi-Status";                     // RFC 4918
            case 208 -> "Already Reported";                 // RFC 5842
            case 226 -> "IM Used";                          // RFC 3229
            case 300 -> "Multiple Choices";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 305 -> "Use Proxy";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 407 -> "Proxy Authentication Required";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 416 -> "Range Not Satisfiable";
            case 417 -> "Expectation Failed";
            case 421 -> "Misdirected Request";
            case 422 -> "Unprocessable Content";
            case 423 -> "Locked";                           // RFC 4918
            case 424 -> "Failed Dependency";                // RFC 4918
            case 425 -> "Too Early";                        // RFC 8470
            case 426 -> "Upgrade Required";
            case 428 -> "Precondition Required";            // RFC 6585
            case 429 -> "Too Many Requests";                // RFC 6585
            case 431 -> "Request Header Fields Too Large";  // RFC 6585
            case 451 -> "Unavailable For Legal Reasons";    // RFC 7725
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            case 506 -> "Variant Also Negotiates";          // RFC 2295
            case 507 -> "Insufficient Storage";             // RFC 4918
            case 508 -> "Loop Detected";                    // RFC 5842
            case 510 -> "Not Extended";                     // RFC 2774, registered as obsoleted
            case 511 -> "Network Authentication Required";  // RFC 6585
            default -> "";
        };
    }
}
