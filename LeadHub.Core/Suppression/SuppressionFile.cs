using System.Buffers.Binary;
using CsvHelper;
using LeadHub.Core.Validation;

namespace LeadHub.Core.Suppression;

// One line of an upload that could not be used, as a spreadsheet numbers it (the header is line 1).
// Never the value itself: the report may be shown and logged.
public sealed record InvalidLine(int Line, string Why);

// A suppression file read and hashed, ready to preview or apply. Only hashes are kept.
public sealed class SuppressionUpload
{
    public int RowsRead { get; set; }
    public int ValidRows { get; set; }
    public int InvalidRows { get; set; }

    // Values repeated in the file (counted once).
    public int Duplicates { get; set; }

    // The first invalid lines, for the preview; InvalidRows counts them all.
    public List<InvalidLine> Invalid { get; } = [];
    public int Phones { get; set; }
    public int Emails { get; set; }
    // 32-byte hashes as two 128-bit halves: ~40 bytes per entry in memory while an upload waits.
    internal HashSet<(UInt128, UInt128)> Hashes { get; } = [];

    public int Entries => Hashes.Count;
}

// A file that is not a suppression file at all (or too large): nothing is previewed or changed.
public sealed class SuppressionFileException(string message) : Exception(message);

// Reads a CSV of phones and/or emails, streamed: rows are normalised as the dedupe keys are
// (E.164 phone, lower-case email), hashed, and only the hashes kept.
public static class SuppressionFile
{
    public const long MaxBytes = 64L * 1024 * 1024;
    public const int MaxInvalidShown = 100;

    private static readonly string[] PhoneNames = ["phone", "phonenumber", "mobile", "cell", "telephone", "number"];
    private static readonly string[] EmailNames = ["email", "emailaddress", "mail"];

    public static async Task<SuppressionUpload> ReadAsync(Stream input, SuppressionHasher hasher, long maxBytes = MaxBytes,
        CancellationToken ct = default)
    {
        await using var bounded = new BoundedStream(input, maxBytes);
        var options = new CsvReaderOptions { MalformedData = CsvMalformedDataHandling.Throw, TrimWhitespace = true, SkipEmptyLines = true };
        var upload = new SuppressionUpload();
        try
        {
            await using var reader = CsvReader.Create(bounded, options, leaveOpen: true);
            await reader.ReadHeaderAsync(ct);
            if (reader.Headers.Count == 0) throw new SuppressionFileException("The file is empty.");
            var names = reader.Headers.Select(Normalize).ToList();
            var phone = names.FindIndex(PhoneNames.Contains);
            var email = names.FindIndex(EmailNames.Contains);
            if (phone < 0 && email < 0)
                throw new SuppressionFileException("The header must name a 'phone' column, an 'email' column, or both.");
            while (await reader.ReadAsync(ct))
            {
                upload.RowsRead++;
                string Field(int i) => i < 0 || i >= reader.FieldCount ? "" : reader.GetString(i).Trim();
                var line = (int)reader.RowNumber + 1;
                var phoneText = Field(phone);
                var emailText = Field(email);
                string? badWhy = null;
                var values = new List<string>(2);
                if (phoneText.Length > 0)
                {
                    if (LeadValidator.NormalizePhone(phoneText) is { } p) { values.Add(p); upload.Phones++; }
                    else badWhy = "not a valid phone number";
                }
                if (emailText.Length > 0)
                {
                    if (LeadValidator.NormalizeEmail(emailText) is { } e) { values.Add(e); upload.Emails++; }
                    else badWhy = badWhy is null ? "not a valid email address" : "neither a valid phone number nor a valid email address";
                }
                if (values.Count == 0)
                {
                    upload.InvalidRows++;
                    if (upload.Invalid.Count < MaxInvalidShown) upload.Invalid.Add(new InvalidLine(line, badWhy ?? "no phone or email"));
                    continue;
                }
                upload.ValidRows++;
                foreach (var value in values)
                {
                    if (!upload.Hashes.Add(Split(hasher.Hash(value)))) upload.Duplicates++;
                }
            }
        }
        catch (CsvFormatException)
        {
            throw new SuppressionFileException("The file is not valid CSV (check its quotes).");
        }
        catch (BoundedStream.TooLargeException)
        {
            throw new SuppressionFileException($"The file is larger than {Size(maxBytes)}; split it.");
        }
        if (upload.RowsRead == 0) throw new SuppressionFileException("The file has a header but no rows.");
        return upload;
    }

    private static string Size(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : $"{bytes} bytes";

    internal static (UInt128, UInt128) Split(ReadOnlySpan<byte> hash) =>
        (BinaryPrimitives.ReadUInt128BigEndian(hash), BinaryPrimitives.ReadUInt128BigEndian(hash[16..]));

    internal static byte[] Join((UInt128 A, UInt128 B) hash)
    {
        var bytes = new byte[32];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, hash.A);
        BinaryPrimitives.WriteUInt128BigEndian(bytes.AsSpan(16), hash.B);
        return bytes;
    }

    private static string Normalize(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}

// Stops reading past a size, whatever the client said its length was (chunked uploads too).
internal sealed class BoundedStream(Stream inner, long limit) : Stream
{
    public sealed class TooLargeException() : IOException("too large");

    private long _read;

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        Count(await inner.ReadAsync(buffer, ct));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Count(int n)
    {
        _read += n;
        if (_read > limit) throw new TooLargeException();
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
