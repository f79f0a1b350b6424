using BenchmarkDotNet.Running;

namespace PreDnatAppliance.Benchmarks;

public static class Program
{
    /// <summary><c>dotnet run -c Release --project bench/PreDnatAppliance.Benchmarks -- --filter '*'</c></summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
