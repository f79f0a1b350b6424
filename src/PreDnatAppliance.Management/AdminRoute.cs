namespace PreDnatAppliance.Management;

/// <summary>A write request that passed the size limit and the bearer token check.</summary>
public sealed record AdminRequest(byte[] Body, string? ContentType);

/// <summary>The answer of an admin route: a status code and a JSON-serialisable body (no paths, no secrets).</summary>
public sealed record AdminResult(int StatusCode, object Body);

/// <summary>An authenticated POST route the composition root adds (the policy swap, <c>POST /admin/policy</c>).</summary>
public delegate Task<AdminResult> AdminHandler(AdminRequest request, CancellationToken cancellation);
