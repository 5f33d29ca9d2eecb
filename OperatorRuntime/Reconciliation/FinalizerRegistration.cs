namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>A finalizer type registered for an entity kind, with the identifier it writes.</summary>
internal sealed record FinalizerRegistration<TEntity>(Type FinalizerType, string Identifier);
