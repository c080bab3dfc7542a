using System.Buffers;

namespace LeadHub.Core.Validation;

// A body read with a ceiling, for everything that arrives from outside (a publisher's lead, a
// buyer's answer): at most maxBytes, or null as soon as there is more, so a lying Content-Length,
// endless chunks or a decompression bomb stop here. Read into a pooled buffer that grows only for
// long bodies: a fresh buffer per read (twelve per lead) was most of what the hot path allocated.
public static class BoundedRead
{
    public static async Task<byte[]?> ReadAtMostAsync(Stream body, int maxBytes, CancellationToken ct = default)
    {
        var pool = ArrayPool<byte>.Shared;
        var buffer = pool.Rent(Math.Min(maxBytes + 1, 4 * 1024));
        var held = 0;
        try
        {
            while (true)
            {
                if (held == buffer.Length)
                {
                    var bigger = pool.Rent(Math.Min(maxBytes + 1, buffer.Length * 2));
                    buffer.AsSpan(0, held).CopyTo(bigger);
                    pool.Return(buffer);
                    buffer = bigger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(held), ct);
                if (read == 0) return buffer.AsSpan(0, held).ToArray();
                held += read;
                if (held > maxBytes) return null;
            }
        }
        finally
        {
            pool.Return(buffer);
        }
    }
}
