using MathNet.Numerics.Distributions;

namespace LeadHub.Core.Lab;

// What a set of leads earned, kept as sums so that a dashboard can add them up per bucket and
// per arm without keeping every lead: n leads, and the sum and sum of squares of one figure per
// lead (revenue for RPL, 1/0 for sell-through).
public sealed record Sample(long N, decimal Sum, decimal SumOfSquares)
{
    public static readonly Sample Empty = new(0, 0m, 0m);

    public static Sample Of(IEnumerable<decimal> values) =>
        values.Aggregate(Empty, (s, v) => s.Add(v));

    public Sample Add(decimal value) => new(N + 1, Sum + value, SumOfSquares + value * value);

    public Sample Add(Sample other) => new(N + other.N, Sum + other.Sum, SumOfSquares + other.SumOfSquares);

    public double Mean => N == 0 ? 0 : (double)Sum / N;

    // The unbiased sample variance; 0 below two leads.
    public double Variance => N < 2 ? 0 : Math.Max(0, ((double)SumOfSquares - (double)Sum * (double)Sum / N) / (N - 1));
}

// A figure with its 95 % confidence interval.
public sealed record Estimate(double Value, double Low, double High, long N);

// B against A: the difference B − A with its 95 % interval, the two-sided p-value, and whether
// there is enough data to say anything at all.
public sealed record Comparison(double Difference, double Low, double High, double PValue, bool EnoughData)
{
    public bool Significant => EnoughData && PValue < Significance.Alpha;

    // For a reject rate less is better: a lower B is the better one.
    public bool LowerIsBetter { get; init; }

    public string Verdict => !EnoughData ? "not enough data yet"
        : !Significant ? "no significant difference yet"
        : Difference > 0 != LowerIsBetter ? "B is better" : "B is worse";
}

// The statistics behind the revenue lab (README "Revenue lab"): intervals for means and rates,
// Welch's t-test for revenue per lead, the two-proportion z-test for rates. Chosen because a
// manager can check them in any spreadsheet; the distributions come from Math.NET Numerics.
public static class Significance
{
    public const double Alpha = 0.05;

    // Fewer leads than this in either arm: "not enough data yet", whatever the p-value says.
    // Revenue per lead is skewed (most leads earn 0 or one price), so the normal approximation
    // behind both tests needs a few hundred leads, and a rate needs a few events on each side.
    public const int MinLeadsPerArm = 200;
    public const int MinEventsPerArm = 10;

    private static readonly double Z95 = Normal.InvCDF(0, 1, 1 - Alpha / 2);

    public static Estimate MeanOf(Sample s)
    {
        if (s.N < 2) return new Estimate(s.Mean, double.NaN, double.NaN, s.N);
        var half = StudentT.InvCDF(0, 1, s.N - 1, 1 - Alpha / 2) * Math.Sqrt(s.Variance / s.N);
        return new Estimate(s.Mean, s.Mean - half, s.Mean + half, s.N);
    }

    // Wilson's interval: right near 0 % and 100 %, where the textbook interval leaves [0, 1].
    public static Estimate RateOf(long events, long n)
    {
        if (n == 0) return new Estimate(0, double.NaN, double.NaN, 0);
        var p = (double)events / n;
        var z2 = Z95 * Z95;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new Estimate(p, Math.Max(0, centre - half), Math.Min(1, centre + half), n);
    }

    // Welch's t-test (unequal variances) on the per-lead figure of two arms.
    public static Comparison CompareMeans(Sample a, Sample b)
    {
        var enough = a.N >= MinLeadsPerArm && b.N >= MinLeadsPerArm;
        var difference = b.Mean - a.Mean;
        if (a.N < 2 || b.N < 2) return new Comparison(difference, double.NaN, double.NaN, 1, false);
        var va = a.Variance / a.N;
        var vb = b.Variance / b.N;
        var se = Math.Sqrt(va + vb);
        if (se == 0) return new Comparison(difference, difference, difference, difference == 0 ? 1 : 0, enough);
        var df = (va + vb) * (va + vb) / (va * va / (a.N - 1) + vb * vb / (b.N - 1));
        var t = difference / se;
        var p = 2 * (1 - StudentT.CDF(0, 1, df, Math.Abs(t)));
        var half = StudentT.InvCDF(0, 1, df, 1 - Alpha / 2) * se;
        return new Comparison(difference, difference - half, difference + half, p, enough);
    }

    // The two-proportion z-test (pooled for the p-value, unpooled for the interval).
    public static Comparison CompareRates(long eventsA, long nA, long eventsB, long nB)
    {
        var enough = nA >= MinLeadsPerArm && nB >= MinLeadsPerArm
                     && Math.Min(eventsA, nA - eventsA) >= MinEventsPerArm && Math.Min(eventsB, nB - eventsB) >= MinEventsPerArm;
        if (nA == 0 || nB == 0) return new Comparison(0, double.NaN, double.NaN, 1, false);
        double pa = (double)eventsA / nA, pb = (double)eventsB / nB;
        var pooled = (double)(eventsA + eventsB) / (nA + nB);
        var sePooled = Math.Sqrt(pooled * (1 - pooled) * (1.0 / nA + 1.0 / nB));
        var p = sePooled == 0 ? (pa == pb ? 1 : 0) : 2 * (1 - Normal.CDF(0, 1, Math.Abs(pb - pa) / sePooled));
        var half = Z95 * Math.Sqrt(pa * (1 - pa) / nA + pb * (1 - pb) / nB);
        return new Comparison(pb - pa, pb - pa - half, pb - pa + half, p, enough);
    }
}
