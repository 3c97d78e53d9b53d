"""The local cloud: `patron dev` emulates template.yaml on an embedded moto, in one process."""
