import { useEffect, useId, useState } from 'react';

/** A top-bar button with a popover under it, closed by the button again or by Escape. */
export function Menu({
  label,
  primary = false,
  className,
  children,
}: {
  label: string;
  primary?: boolean;
  /** Added to the popover's class. */
  className?: string;
  children: React.ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  return (
    <div className="menu">
      <button
        type="button"
        className={primary ? 'primary' : undefined}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
      >
        {label}
      </button>
      {open ? (
        <div id={id} className={`popover ${className ?? ''}`} role="dialog" aria-label={label}>
          {children}
        </div>
      ) : null}
    </div>
  );
}
