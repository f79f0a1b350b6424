using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PreDnatAppliance.Dataplane.Interop;

/// <summary>
/// Finds libpda_shim.so: <c>PDA_SHIM_PATH</c> if set, else next to this assembly (the build copies it there),
/// else the default probing. DPDK's own libraries are found by the system loader (Debian's <c>dpdk</c> package).
/// </summary>
internal static class NativeLibraryResolver
{
#pragma warning disable CA2255 // the resolver must be in place before the first P/Invoke, whoever makes it
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Shim.Library)
            return 0;
        var explicitPath = Environment.GetEnvironmentVariable("PDA_SHIM_PATH");
        if (!string.IsNullOrEmpty(explicitPath))
            return NativeLibrary.Load(explicitPath);
        var local = Path.Combine(AppContext.BaseDirectory, "libpda_shim.so");
        if (File.Exists(local) && NativeLibrary.TryLoad(local, out var handle))
            return handle;
        var besideAssembly = Path.Combine(Path.GetDirectoryName(assembly.Location) ?? "", "libpda_shim.so");
        if (File.Exists(besideAssembly) && NativeLibrary.TryLoad(besideAssembly, out handle))
            return handle;
        return 0;
    }
}
