package dev.pushback.dsl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a process holds, read from Linux's {@code /proc}: its descriptors, and among them the TCP
 * sockets whose local port is a server's — the connections it has accepted and not yet given
 * back to the system. A closed socket whose descriptor a selector still keeps counts: that is
 * the point (DESIGN N13).
 */
public final class ProcSockets {
    private static final String LISTEN = "0A";

    private ProcSockets() {}

    /** Descriptors open in process {@code pid}. */
    public static int descriptors(long pid) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path ignored : fds) {
                count++;
            }
        }
        return count;
    }

    /** Connection sockets on local port {@code port} (not the listening one) that {@code pid} holds a descriptor of. */
    public static int accepted(long pid, int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(path)) {
                continue;
            }
            List<String> lines = Files.readAllLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                String local = fields[1];
                int localPort = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                if (localPort == port && !fields[3].equals(LISTEN) && !fields[9].equals("0")) {
                    inodes.add(fields[9]);
                }
            }
        }
        int held = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                    held++;
                }
            }
        }
        return held;
    }
}
